import { Config } from '@backstage/config';

/** `dbaas.runtimes.ec2`: one VM per database, Docker on it, reached over SSH. */
export interface Ec2RuntimeConfig {
  region: string;
  /** An EC2 endpoint other than the region's own (a VPC endpoint, or a test double). */
  endpoint?: string;
  /** The AMI, or the SSM parameter naming the latest one (Debian 12 by default). */
  ami: { id: string } | { ssmParameter: string };
  subnetIds: string[];
  securityGroupIds: string[];
  instanceProfileName?: string;
  /** Used when the flavor names none in runtimeHints.ec2.instanceType. */
  defaultInstanceType: string;
  /** Which of the VM's addresses the Manager and clients use. */
  addressType: 'private' | 'public';
  /** KMS key for the data volumes; the account's default EBS key when unset. */
  kmsKeyId?: string;
  /** The user the user-data creates for the Manager's SSH access to Docker. */
  sshUser: string;
  /** Extra tags on every VM, volume and key pair. */
  tags: Record<string, string>;
  /** For the VMs' Docker: pull-through mirrors, and registries reached without TLS. */
  registryMirrors: string[];
  insecureRegistries: string[];
  /** How long a new VM may take until its Docker answers; keep it under dbaas.provisioning.timeoutSeconds. */
  startTimeoutSeconds: number;
  pollIntervalSeconds: number;
  /** Attempts per EC2 call when throttled or on a transient error. */
  apiMaxAttempts: number;
}

/** The keys read under dbaas.runtimes.ec2; deploy/terraform/aws outputs are named after them. */
export const EC2_CONFIG_KEYS = [
  'region',
  'endpoint',
  'amiId',
  'amiSsmParameter',
  'subnetIds',
  'securityGroupIds',
  'instanceProfileName',
  'defaultInstanceType',
  'addressType',
  'kmsKeyId',
  'sshUser',
  'tags',
  'registryMirrors',
  'insecureRegistries',
  'startTimeoutSeconds',
  'pollIntervalSeconds',
  'apiMaxAttempts',
] as const;

export const DEFAULT_AMI_SSM_PARAMETER =
  '/aws/service/debian/release/bookworm/latest/amd64';

const KEY = 'dbaas.runtimes.ec2';

export function readEc2RuntimeConfig(config: Config): Ec2RuntimeConfig {
  const unknown = config
    .keys()
    .filter(k => !(EC2_CONFIG_KEYS as readonly string[]).includes(k));
  if (unknown.length) {
    throw new Error(
      `Invalid app-config at '${KEY}': unknown key(s) ${unknown.join(
        ', ',
      )}; allowed: ${EC2_CONFIG_KEYS.join(', ')}`,
    );
  }
  const amiId = config.getOptionalString('amiId');
  const amiSsmParameter = config.getOptionalString('amiSsmParameter');
  if (amiId && amiSsmParameter) {
    throw new Error(
      `Invalid app-config at '${KEY}': set amiId or amiSsmParameter, not both`,
    );
  }
  const addressType = config.getOptionalString('addressType') ?? 'private';
  if (addressType !== 'private' && addressType !== 'public') {
    throw new Error(
      `Invalid app-config at '${KEY}.addressType': '${addressType}' is not allowed; use private or public`,
    );
  }
  return {
    region: config.getString('region'),
    endpoint: config.getOptionalString('endpoint'),
    ami: amiId
      ? { id: amiId }
      : { ssmParameter: amiSsmParameter ?? DEFAULT_AMI_SSM_PARAMETER },
    subnetIds: nonEmptyList(config, 'subnetIds'),
    securityGroupIds: nonEmptyList(config, 'securityGroupIds'),
    instanceProfileName: config.getOptionalString('instanceProfileName'),
    defaultInstanceType:
      config.getOptionalString('defaultInstanceType') ?? 't3.medium',
    addressType,
    kmsKeyId: config.getOptionalString('kmsKeyId'),
    sshUser: readSshUser(config),
    tags: readTags(config),
    registryMirrors: config.getOptionalStringArray('registryMirrors') ?? [],
    insecureRegistries:
      config.getOptionalStringArray('insecureRegistries') ?? [],
    startTimeoutSeconds: positive(config, 'startTimeoutSeconds', 540),
    pollIntervalSeconds: positive(config, 'pollIntervalSeconds', 5),
    apiMaxAttempts: Math.round(positive(config, 'apiMaxAttempts', 6)),
  };
}

function nonEmptyList(config: Config, key: string): string[] {
  const list = config.getOptionalStringArray(key) ?? [];
  if (!list.length) {
    throw new Error(
      `Invalid app-config at '${KEY}.${key}': list at least one id (the Terraform in deploy/terraform/aws outputs it as ${key})`,
    );
  }
  return list;
}

function readTags(config: Config): Record<string, string> {
  const tags = config.getOptionalConfig('tags');
  if (!tags) return {};
  const reserved = tags
    .keys()
    .filter(k => /^(aws:|dbaas\.backstage\.io\/)/.test(k));
  if (reserved.length) {
    throw new Error(
      `Invalid app-config at '${KEY}.tags': ${reserved.join(
        ', ',
      )} cannot be set; keys starting with aws: or dbaas.backstage.io/ are reserved`,
    );
  }
  return Object.fromEntries(tags.keys().map(k => [k, tags.getString(k)]));
}

function positive(config: Config, key: string, fallback: number): number {
  const value = config.getOptionalNumber(key) ?? fallback;
  if (!(value > 0)) {
    throw new Error(
      `Invalid app-config at '${KEY}.${key}': ${value} is not allowed; use a number above 0 (default ${fallback})`,
    );
  }
  return value;
}

function readSshUser(config: Config): string {
  const user = config.getOptionalString('sshUser') ?? 'dbaas';
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user) || user === 'root') {
    throw new Error(
      `Invalid app-config at '${KEY}.sshUser': '${user}' is not allowed; use a Linux user name other than root (lowercase letters, digits, _ and -)`,
    );
  }
  return user;
}
