#!/usr/bin/env node
// Prints the plain closing line CI reads, "N passed, N failed", from Jest's JSON reports.
// Usage: summarize-tests.js test-results/unit.json [test-results/e2e.json ...]
// Each report is named for its runner (unit.json: the unit runner). A suite that failed before
// any test ran (a syntax error, a failing beforeAll) counts as failed. A report that is missing
// or unreadable (the runner crashed, was killed, or never ran) is a failure too: it gets a line
// naming the runner, counts as one failed, and the exit code is 1, so no runner drops out of
// the count unseen.
const fs = require('fs');
const path = require('path');

/** Reads one runner's counts, or throws an Error saying what is wrong with its report. */
function readReport(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      error.code === 'ENOENT'
        ? `${file} is missing: the runner crashed or never ran`
        : `${file} cannot be read (${error.code ?? error.message})`,
    );
  }
  let report;
  try {
    report = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${file} is not JSON (${error.message}): the runner stopped while writing it`,
    );
  }
  if (
    !report ||
    !Number.isInteger(report.numPassedTests) ||
    !Number.isInteger(report.numFailedTests) ||
    !Array.isArray(report.testResults)
  ) {
    throw new Error(
      `${file} is not a Jest JSON report (no numPassedTests, numFailedTests and testResults)`,
    );
  }
  const failedBeforeAnyTest = report.testResults.filter(
    suite =>
      suite.status === 'failed' &&
      !(suite.assertionResults ?? []).some(test => test.status === 'failed'),
  ).length;
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + failedBeforeAnyTest,
  };
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.log(
    'summarize-tests: no report given; usage: summarize-tests.js REPORT.json...',
  );
  console.log('0 passed, 1 failed');
  process.exit(1);
}

let passed = 0;
let failed = 0;
for (const file of files) {
  const runner = path.basename(file, '.json');
  try {
    const counts = readReport(file);
    passed += counts.passed;
    failed += counts.failed;
  } catch (error) {
    console.log(
      `summarize-tests: no result from the ${runner} runner: ${error.message}`,
    );
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
