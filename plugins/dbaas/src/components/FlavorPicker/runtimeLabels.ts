/** What the runtimes this project ships are, for people choosing one; others show their name. */
const KNOWN_RUNTIMES: Record<string, string> = {
  local: 'processes on the Backstage host',
  docker: 'containers on Docker hosts',
  kubernetes: 'a StatefulSet on Kubernetes',
  ec2: 'a VM on AWS EC2',
  gce: 'a VM on Google Compute Engine',
};

/** A runtime's name with what it is, e.g. `gce: a VM on Google Compute Engine`. */
export function runtimeLabel(name: string, isDefault: boolean): string {
  const what = Object.hasOwn(KNOWN_RUNTIMES, name)
    ? KNOWN_RUNTIMES[name]
    : undefined;
  return `${name}${what ? `: ${what}` : ''}${isDefault ? ' (default)' : ''}`;
}
