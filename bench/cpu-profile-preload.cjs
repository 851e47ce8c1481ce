/**
 * A CPU profile of a process the bench starts, on demand (bench/profile-issuance.ts): loaded with
 * `NODE_OPTIONS=--require=<this file>` and PROFILE_DIR set, it starts V8's profiler in the main thread and in every
 * worker thread (the Temporal SDK runs workflows in one) on the first SIGUSR2, and on the next one writes each
 * thread's profile to PROFILE_DIR as `<pid>-<threadId>.cpuprofile`. A profile from `--cpu-prof` would be lost: the
 * bench ends its worker processes with SIGKILL, and it would hold their start-up too.
 */
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const path = require('node:path');
const { isMainThread, threadId } = require('node:worker_threads');

/** Counts the statements every pg client sends while `counting` holds, by their text. */
function statementCounter() {
  const { Client } = require('pg');
  const original = Client.prototype.query;
  const counts = new Map();
  let counting = false;
  Client.prototype.query = function (...args) {
    if (counting) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0]?.text ?? '');
      // Values the ORM writes into the text counted as one statement.
      const key = text
        .replace(/'(?:[^']|'')*'/g, '?')
        .replace(/\b\d+\b/g, 'n')
        .replace(/\s+/g, ' ')
        .slice(0, 240);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return original.apply(this, args);
  };
  return {
    start: () => {
      counts.clear();
      counting = true;
    },
    stop: () => {
      counting = false;
      return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
    },
  };
}

const dir = process.env.PROFILE_DIR;
if (dir) {
  const statements = isMainThread ? statementCounter() : undefined;
  const channel = new BroadcastChannel('bench-cpu-profile');
  channel.unref();
  let session;
  const post = (method, params) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );
  const toggle = async () => {
    if (!session) {
      session = new Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 500 });
      await post('Profiler.start');
      statements?.start();
      return;
    }
    const { profile } = await post('Profiler.stop');
    session.disconnect();
    session = undefined;
    writeFileSync(path.join(dir, `${process.pid}-${threadId}.cpuprofile`), JSON.stringify(profile));
    if (statements) {
      const counted = JSON.stringify(statements.stop(), null, 1);
      writeFileSync(path.join(dir, `${process.pid}.statements.json`), counted);
    }
  };
  channel.onmessage = () => void toggle();
  if (isMainThread) {
    process.on('SIGUSR2', () => {
      channel.postMessage('toggle'); // the worker threads (a channel does not deliver to its own sender)
      void toggle();
    });
  }
}
