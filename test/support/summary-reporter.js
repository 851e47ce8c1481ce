/**
 * Prints the slowest test files (where CI's time goes), then one plain closing line, `Tests: N passed, N failed`,
 * that any CI reads; jest's own summary says "N passed, N total", which is not that. Writes each file's time into
 * test-artifacts/test-durations.json, the form test/support/test-sequencer.js reads.
 */
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const times = results.testResults
      .map((r) => ({
        file: path.relative(process.cwd(), r.testFilePath),
        s: (r.perfStats.end - r.perfStats.start) / 1000,
      }))
      .sort((a, b) => b.s - a.s);
    writeDurations(times);
    const slowest = times.slice(0, 15);
    const total = results.testResults.reduce((n, r) => n + (r.perfStats.end - r.perfStats.start) / 1000, 0);
    process.stdout.write(
      `\nSlowest test files (of ${Math.round(total)} s in all):\n` +
        slowest.map((x) => `  ${x.s.toFixed(0).padStart(5)} s  ${x.file}`).join('\n') +
        '\n',
    );
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(
      `\nTests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
    );
  }
}
/** Each file's time, merged into the file's earlier ones (a run of a few files updates only theirs). */
function writeDurations(times) {
  const file = path.join(process.cwd(), 'test-artifacts', 'test-durations.json');
  let seconds = {};
  try {
    seconds = JSON.parse(fs.readFileSync(file, 'utf8')).seconds ?? {};
  } catch {
    // none yet
  }
  for (const t of times) seconds[t.file] = Math.round(t.s);
  const sorted = Object.fromEntries(Object.entries(seconds).sort(([a], [b]) => a.localeCompare(b)));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ seconds: sorted }, null, 2)}\n`);
}

module.exports = SummaryReporter;
