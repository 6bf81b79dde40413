// Prints one plain closing line ("Tests: N passed, N failed, N skipped") after Jest's own summary,
// for CI tools that read a run's last lines. Jest always runs its summary reporter last, so the
// line is written at process exit (stdout is synchronous for files and pipes on Linux).
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests: passed, numFailedTests: failed, numPendingTests: skipped, numTodoTests: todo } = results;
    process.once('exit', () => process.stdout.write(`Tests: ${passed} passed, ${failed} failed, ${skipped + todo} skipped\n`));
  }
}

module.exports = SummaryReporter;
