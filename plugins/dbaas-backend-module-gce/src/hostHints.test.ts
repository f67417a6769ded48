import { postgresFlavor } from '@dbaas/plugin-dbaas-node/testUtils';
import {
  isMachineTypeName,
  machineTypeFor,
  machineTypeProblem,
} from './hostHints';

const withHints = (gce: Record<string, unknown>) => ({
  ...postgresFlavor,
  runtimeHints: { gce },
});

describe('machineTypeProblem', () => {
  it('accepts no hints, predefined and custom machine types', () => {
    expect(machineTypeProblem(postgresFlavor)).toBeUndefined();
    for (const type of [
      'e2-medium',
      'e2-micro',
      'n2-standard-4',
      'c3-highmem-8',
      'n4-standard-4-lssd',
      'custom-4-8192',
      'n2-custom-2-4096-ext',
      'n2d-custom-2-4096',
    ]) {
      expect([
        type,
        machineTypeProblem(withHints({ machineType: type })),
      ]).toEqual([type, undefined]);
    }
  });

  it('names what is wrong with a hint', () => {
    for (const bad of ['t3.medium', 'E2-MEDIUM', 'e2 medium', 4, '', 'e2-']) {
      expect(machineTypeProblem(withHints({ machineType: bad }))).toBe(
        'flavor postgresql-17-small: runtimeHints.gce.machineType must be a Compute Engine machine type such as e2-medium or n2-standard-4',
      );
    }
    expect(machineTypeProblem(withHints({ machine_type: 'e2-small' }))).toBe(
      'flavor postgresql-17-small: runtimeHints.gce has unknown key(s) machine_type; allowed: machineType',
    );
  });

  it("ignores other runtimes' hints", () => {
    expect(
      machineTypeProblem({
        ...postgresFlavor,
        runtimeHints: { ec2: { instanceType: 't3.small' } },
      }),
    ).toBeUndefined();
  });
});

describe('machineTypeFor', () => {
  it('uses the hint, else the configured default', () => {
    expect(
      machineTypeFor(withHints({ machineType: 'n2-standard-2' }), 'e2-medium'),
    ).toBe('n2-standard-2');
    expect(machineTypeFor(postgresFlavor, 'e2-medium')).toBe('e2-medium');
    expect(isMachineTypeName('e2-standard-2')).toBe(true);
    expect(isMachineTypeName('t3.medium')).toBe(false);
  });
});
