import { _InstanceType } from '@aws-sdk/client-ec2';
import { Flavor } from '@dbaas/plugin-dbaas-common';

const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

/** Why a flavor's `runtimeHints.ec2` cannot be used, or undefined when it can. */
export function instanceTypeProblem(flavor: Flavor): string | undefined {
  const hints = flavor.runtimeHints?.ec2 ?? {};
  const unknown = Object.keys(hints).filter(k => k !== 'instanceType');
  if (unknown.length) {
    return `flavor ${
      flavor.id
    }: runtimeHints.ec2 has unknown key(s) ${unknown.join(
      ', ',
    )}; allowed: instanceType`;
  }
  const type = hints.instanceType;
  if (
    type !== undefined &&
    !(typeof type === 'string' && INSTANCE_TYPE.test(type))
  ) {
    return `flavor ${flavor.id}: runtimeHints.ec2.instanceType must be an EC2 instance type such as t3.medium`;
  }
  return undefined;
}

/** The instance type a flavor's VM is launched as: its hint, or the configured default. */
export function instanceTypeFor(
  flavor: Flavor,
  defaultInstanceType: string,
): _InstanceType {
  return (flavor.runtimeHints?.ec2?.instanceType ??
    defaultInstanceType) as _InstanceType;
}
