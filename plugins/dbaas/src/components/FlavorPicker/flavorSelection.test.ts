import { flavors } from '../../testUtils/fakeApi';
import { flavorLabel, selectionProblem } from './flavorSelection';

describe('flavor selection', () => {
  it('accepts storage within the chosen flavor bounds', () => {
    expect(
      selectionProblem(
        { flavorId: 'mariadb-10-11-small', storageGiB: 100 },
        flavors,
      ),
    ).toBeUndefined();
  });

  it.each([
    [{}, 'Pick a flavor'],
    [{ flavorId: 'oracle' }, 'Unknown flavor oracle; pick one of the list'],
    [
      { flavorId: 'mariadb-10-11-small', storageGiB: 101 },
      'Storage must be a whole number of GiB between 2 and 100 for mariadb 10.11',
    ],
    [
      { flavorId: 'postgresql-17-small', storageGiB: 1.5 },
      'Storage must be a whole number of GiB between 1 and 50 for PostgreSQL 17 (small)',
    ],
  ])('refuses %j: %s', (selection, problem) => {
    expect(selectionProblem(selection, flavors)).toBe(problem);
  });

  it('labels a flavor with engine, version, cpu, memory and storage bounds', () => {
    expect(flavorLabel(flavors[1])).toBe(
      'mariadb 10.11 — mariadb 10.11, 2 vCPU, 2 GiB, 2–100 GiB',
    );
  });
});
