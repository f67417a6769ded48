import { postgresFlavor } from '@dbaas/plugin-dbaas-node/testUtils';
import { instanceTypeFor, instanceTypeProblem } from './hostHints';

describe('instanceTypeProblem', () => {
  it('accepts a flavor without hints or with an instance type, and names what is wrong otherwise', () => {
    expect(instanceTypeProblem(postgresFlavor)).toBeUndefined();
    expect(
      instanceTypeProblem({
        ...postgresFlavor,
        runtimeHints: { ec2: { instanceType: 'm7g.large' } },
      }),
    ).toBeUndefined();
    expect(
      instanceTypeProblem({
        ...postgresFlavor,
        runtimeHints: { ec2: { instanceType: 4 } },
      }),
    ).toBe(
      'flavor postgresql-17-small: runtimeHints.ec2.instanceType must be an EC2 instance type such as t3.medium',
    );
    expect(
      instanceTypeProblem({
        ...postgresFlavor,
        runtimeHints: { ec2: { instance_type: 't3.small' } },
      }),
    ).toBe(
      'flavor postgresql-17-small: runtimeHints.ec2 has unknown key(s) instance_type; allowed: instanceType',
    );
  });
});

describe('instanceTypeFor', () => {
  it("takes the flavor's instance type, else the configured default", () => {
    expect(instanceTypeFor(postgresFlavor, 't3.medium')).toBe('t3.medium');
    expect(
      instanceTypeFor(
        {
          ...postgresFlavor,
          runtimeHints: { ec2: { instanceType: 'm7g.large' } },
        },
        't3.medium',
      ),
    ).toBe('m7g.large');
  });
});
