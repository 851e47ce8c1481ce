/**
 * Temporal's time-skipping test server for tests whose workflows wait days (working-day deadlines): the Java
 * `io.temporal:temporal-test-server` from Maven Central, run by `TestWorkflowEnvironment.createTimeSkipping` from
 * `@temporalio/testing` through a small wrapper script. (The SDK's default, a native build downloaded from
 * Temporal's CDN, is not reachable from every machine; Maven Central is.)
 *
 * The jars go to TEMPORAL_TEST_SERVER_DIR, default `~/.cache/elicense/temporal-test-server-<version>`, fetched once
 * with `mvn dependency:copy-dependencies`; TEMPORAL_TEST_SERVER_PATH names an existing executable instead (the
 * wrapper, or Temporal's native `temporal-test-server`). Needs Java 11+ to run and Maven for the first fetch.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_TEST_SERVER_VERSION = '1.32.1';
const ARTIFACT = `io.temporal:temporal-test-server:${TEMPORAL_TEST_SERVER_VERSION}`;
const MAIN_CLASS = 'io.temporal.testserver.TestServer';

/** Where the jars and the wrapper live. */
export function temporalTestServerDir(): string {
  if (process.env.TEMPORAL_TEST_SERVER_DIR) return path.resolve(process.env.TEMPORAL_TEST_SERVER_DIR);
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'elicense', `temporal-test-server-${TEMPORAL_TEST_SERVER_VERSION}`);
}

/** The executable to give `createTimeSkipping({ server: { executable: { type: 'existing-path', path } } })`. */
export function findTemporalTestServer(): string | undefined {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_TEST_SERVER_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const dir = temporalTestServerDir();
  const wrapper = path.join(dir, 'temporal-test-server');
  const jar = path.join(dir, 'lib', `temporal-test-server-${TEMPORAL_TEST_SERVER_VERSION}.jar`);
  if (!existsSync(wrapper) || !existsSync(jar)) return undefined;
  writeWrapper(dir); // a wrapper written by an earlier version is brought up to date
  return wrapper;
}

/** Writes the wrapper when its text differs, through a rename so that a server starting meanwhile reads a whole file. */
function writeWrapper(dir: string): void {
  const wrapper = path.join(dir, 'temporal-test-server');
  const text = wrapperScript(path.join(dir, 'lib'), classArchive(dir));
  if (existsSync(wrapper) && readFileSync(wrapper, 'utf8') === text) return;
  const staging = `${wrapper}.tmp-${process.pid}`;
  writeFileSync(staging, text);
  chmodSync(staging, 0o755);
  renameSync(staging, wrapper);
}

/** The class-data archive (AppCDS) of the server's classes, which the wrapper uses when present. */
const classArchive = (dir: string) => path.join(dir, 'classes.jsa');

/**
 * Makes the AppCDS archive once: the JVM then maps the server's classes instead of loading them, and listens in
 * about a third of the time (6 s instead of 18 s measured on a loaded 2-core machine), well within the 5 s the SDK
 * gives it on an ordinary one. A JVM that cannot use the archive (another Java version) ignores it.
 */
export async function ensureTemporalTestServerArchive(
  log: (line: string) => void = console.log,
): Promise<void> {
  if (process.env.TEMPORAL_TEST_SERVER_PATH) return;
  ensureTemporalTestServer(log);
  const dir = temporalTestServerDir();
  if (existsSync(classArchive(dir))) return;
  const staging = `${classArchive(dir)}.tmp-${process.pid}`;
  const port = await freeLocalPort();
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const child = spawn(
    java,
    [
      `-XX:ArchiveClassesAtExit=${staging}`,
      ...JVM_FLAGS,
      '-cp',
      `${dir}/lib/*`,
      MAIN_CLASS,
      String(port),
      '--enable-time-skipping',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const deadline = Date.now() + 120_000;
    while (!(await listening(port))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('the test server did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    child.kill('SIGTERM'); // an orderly exit writes the archive
    await exited;
  }
  if (existsSync(staging)) {
    renameSync(staging, classArchive(dir));
    writeWrapper(dir);
    log(`Temporal test server class-data archive: ${classArchive(dir)}`);
  }
}

function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function runs(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return !result.error && result.status === 0;
}

/**
 * Finds the test server, fetching its jars from Maven Central the first time (about 40 jars, 20 MB); fails with
 * what to install when Java or Maven is missing. Returns the path of the executable.
 */
export function ensureTemporalTestServer(log: (line: string) => void = console.log): string {
  const found = findTemporalTestServer();
  if (found) return found;
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  if (!runs(java, ['-version'])) {
    throw new Error(
      `Java was not found (${java}); the Temporal test server (${ARTIFACT}) runs on Java 11 or later. ` +
        'Install it (Debian: `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME, then run ' +
        '`npx tsx scripts/ensure-temporal-test-server.ts`.',
    );
  }
  if (!runs('mvn', ['-v'])) {
    throw new Error(
      `Maven (mvn) was not found; it fetches the Temporal test server (${ARTIFACT}) from Maven Central once. ` +
        'Install it (Debian: `apt-get install maven`) and run `npx tsx scripts/ensure-temporal-test-server.ts`, ' +
        'or set TEMPORAL_TEST_SERVER_PATH to an existing temporal-test-server executable.',
    );
  }

  const dir = temporalTestServerDir();
  mkdirSync(dir, { recursive: true });
  log(
    `Fetching the Temporal test server ${TEMPORAL_TEST_SERVER_VERSION} from Maven Central (first time only) …`,
  );
  const work = mkdtempSync(path.join(os.tmpdir(), 'temporal-test-server-pom-'));
  const staging = path.join(dir, `lib.tmp-${process.pid}`);
  try {
    // slf4j-nop: the server logs through SLF4J and would otherwise warn about a missing binding on every start.
    writeFileSync(
      path.join(work, 'pom.xml'),
      `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.elicense</groupId>
  <artifactId>temporal-test-server-fetch</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEMPORAL_TEST_SERVER_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-nop</artifactId>
      <version>1.7.36</version>
    </dependency>
  </dependencies>
</project>
`,
    );
    const result = spawnSync(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        path.join(work, 'pom.xml'),
        'dependency:copy-dependencies',
        `-DoutputDirectory=${staging}`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
    );
    if (result.status !== 0) {
      throw new Error(
        `\`mvn dependency:copy-dependencies\` for ${ARTIFACT} failed (exit ${result.status}):\n${result.stdout}`,
      );
    }
    // Swap in the complete set at once, so an interrupted fetch never looks finished.
    rmSync(path.join(dir, 'lib'), { recursive: true, force: true });
    renameSync(staging, path.join(dir, 'lib'));
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(staging, { recursive: true, force: true });
  }

  writeWrapper(dir);
  const ready = findTemporalTestServer();
  if (!ready) throw new Error(`the Temporal test server is incomplete in ${dir}; delete it and run again`);
  log(`Temporal test server ready: ${ready}`);
  return ready;
}

/**
 * The SDK's core runs the executable as `<exe> <port> [extraArgs…]`; the Java main accepts only the port and
 * `--enable-time-skipping` and exits on anything else, so other arguments are dropped with a warning. `exec` makes
 * java the SDK's child process, so the SDK's kill stops the server.
 */
const JVM_FLAGS = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];

function wrapperScript(lib: string, archive: string): string {
  const share = existsSync(archive) ? ` -XX:SharedArchiveFile=${archive}` : '';
  return `#!/bin/sh
# Temporal's Java test server (${ARTIFACT}), written by infra/temporal-test-server.ts.
# Usage: temporal-test-server <port> [--enable-time-skipping]
port="$1"
[ $# -gt 0 ] && shift
flags=""
for arg in "$@"; do
  case "$arg" in
    --enable-time-skipping) flags="$arg" ;;
    *) echo "temporal-test-server: ignoring unsupported argument: $arg" >&2 ;;
  esac
done
if [ -n "$JAVA_HOME" ]; then java="$JAVA_HOME/bin/java"; else java=java; fi
exec "$java" ${JVM_FLAGS.join(' ')}${share} $JAVA_OPTS -cp '${lib}/*' ${MAIN_CLASS} "$port" $flags
`;
}
