#!/usr/bin/env node
// Prints the plain closing line CI reads, "N passed, N failed", from Jest's JSON report.
const fs = require('fs');

const file = process.argv[2] || 'test-results/jest.json';
const report = JSON.parse(fs.readFileSync(file, 'utf8'));
const failedSuites = report.testResults.filter(
  suite => suite.status === 'failed' && suite.assertionResults.length === 0,
).length;
const failed = report.numFailedTests + failedSuites;
console.log(`${report.numPassedTests} passed, ${failed} failed`);
process.exit(failed > 0 || report.numPassedTests === 0 ? 1 : 0);
