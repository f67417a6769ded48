import { execFile } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { repoRoot } from './portal';

/** scripts/summarize-tests.js, the closing line of `./dev test` that CI reads. */
const script = path.join(repoRoot, 'scripts/summarize-tests.js');

function summarize(
  files: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, [script, ...files], (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

/** A Jest JSON report as `jest --json` writes it, reduced to what the summary reads. */
function report(passed: number, failed: number, suites: object[] = []) {
  return JSON.stringify({
    numPassedTests: passed,
    numFailedTests: failed,
    testResults: suites,
  });
}

describe('scripts/summarize-tests.js', () => {
  let dir: string;
  const file = (name: string, content?: string) => {
    const p = path.join(dir, name);
    if (content !== undefined) fs.writeFileSync(p, content);
    return p;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'summarize-tests-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('adds up the runners and exits 0 when all passed', async () => {
    const result = await summarize([
      file('unit.json', report(40, 0)),
      file('e2e.json', report(2, 0)),
    ]);
    expect(result).toEqual({
      code: 0,
      stdout: '42 passed, 0 failed\n',
      stderr: '',
    });
  });

  it('counts a suite that failed before any test ran, and exits 1', async () => {
    const result = await summarize([
      file(
        'unit.json',
        report(3, 1, [
          { status: 'failed', assertionResults: [] },
          { status: 'failed', assertionResults: [{ status: 'failed' }] },
          { status: 'passed', assertionResults: [{ status: 'passed' }] },
        ]),
      ),
    ]);
    expect(result).toMatchObject({ code: 1, stdout: '3 passed, 2 failed\n' });
  });

  it('fails naming the runner whose report is missing', async () => {
    const result = await summarize([
      file('unit.json', report(40, 0)),
      file('e2e.json'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n')).toEqual([
      `summarize-tests: no result from the e2e runner: ${path.join(
        dir,
        'e2e.json',
      )} is missing: the runner crashed or never ran`,
      '40 passed, 1 failed',
      '',
    ]);
  });

  it.each([
    ['cut off while written', '{"numPassedTests": 4, "numFail', 'is not JSON'],
    ['not a Jest report', '{"passed": 4}', 'is not a Jest JSON report'],
    ['empty', '', 'is not JSON'],
  ])(
    'fails naming the runner whose report is unreadable (%s)',
    async (_, content, reason) => {
      const result = await summarize([
        file('unit.json', content),
        file('e2e.json', report(2, 0)),
      ]);
      expect(result.code).toBe(1);
      const [line, summary] = result.stdout.split('\n');
      expect(line).toMatch(
        /^summarize-tests: no result from the unit runner: \S+unit\.json /,
      );
      expect(line).toContain(reason);
      expect(summary).toBe('2 passed, 1 failed');
    },
  );

  it('fails when given no report at all', async () => {
    const result = await summarize([]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('summarize-tests: no report given');
  });
});
