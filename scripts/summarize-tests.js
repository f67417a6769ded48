#!/usr/bin/env node
// Prints the plain closing line CI reads, "N passed, N failed", from Jest's JSON reports.
// A suite that failed before any test ran (a syntax error, a failing beforeAll) counts as failed.
const fs = require('fs');

const files = process.argv.slice(2);
let passed = 0;
let failed = 0;
for (const file of files) {
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  failed += report.testResults.filter(
    suite =>
      suite.status === 'failed' &&
      !suite.assertionResults.some(test => test.status === 'failed'),
  ).length;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
