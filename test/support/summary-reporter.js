/**
 * Prints the slowest test files (where CI's time goes), then one plain closing line, `Tests: N passed, N failed`,
 * that any CI reads; jest's own summary says "N passed, N total", which is not that.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const slowest = results.testResults
      .map((r) => ({
        file: r.testFilePath.replace(`${process.cwd()}/`, ''),
        s: (r.perfStats.end - r.perfStats.start) / 1000,
      }))
      .sort((a, b) => b.s - a.s)
      .slice(0, 15);
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
module.exports = SummaryReporter;
