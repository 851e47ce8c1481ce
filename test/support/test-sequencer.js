/**
 * Longest test files first, so that the jest workers finish together instead of one running a ten-minute file
 * alone at the end. Jest's own sequencer does this only with the timings of an earlier run on the same machine;
 * CI runs on a fresh clone, where it falls back to file size (the Schemathesis file is small and among the
 * longest). Here a file without a timing of its own takes the one measured in a full run and committed in
 * test/support/test-durations.json (refresh it from test-artifacts/test-durations.json, which every run updates),
 * and a file in neither (a new one) a typical time for its kind. Files that failed last time still come first.
 */
const { default: Sequencer } = require('@jest/test-sequencer');
const path = require('node:path');
const measured = require('./test-durations.json');

const root = path.resolve(__dirname, '..', '..');
/** Seconds assumed for a file never timed: an integration file starts its own services. */
const TYPICAL_SECONDS = { unit: 2, integration: 60 };

class LongestFirstSequencer extends Sequencer {
  time(test) {
    const own = super.time(test);
    if (own != null) return own;
    const file = path.relative(root, test.path);
    const seconds =
      measured.seconds[file] ??
      (file.startsWith('test/unit/') ? TYPICAL_SECONDS.unit : TYPICAL_SECONDS.integration);
    return seconds * 1000;
  }

  sort(tests) {
    const failed = (t) => (this.hasFailed(t) ? 1 : 0);
    for (const test of tests) test.duration = this.time(test);
    return tests.sort((a, b) => failed(b) - failed(a) || b.duration - a.duration);
  }
}

module.exports = LongestFirstSequencer;
