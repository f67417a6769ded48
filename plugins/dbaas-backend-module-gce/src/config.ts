import { Config } from '@backstage/config';
import { isMachineTypeName } from './hostHints';

/** `dbaas.runtimes.gce`: one Compute Engine VM per database, with its own data disk. */
export interface GceRuntimeConfig {
  project: string;
  /** Zones to create VMs in, tried in order when one has no capacity. */
  zones: string[];
  /** VPC network and subnetwork: names, or self links / partial URLs. */
  network?: string;
  subnetwork?: string;
  /** The VMs' service account (none when unset: the VM then calls no Google API). */
  serviceAccountEmail?: string;
  /** Used when the flavor names none in runtimeHints.gce.machineType. */
  defaultMachineType: string;
  imageFamily: string;
  imageProject: string;
  /** The data disk's type: pd-balanced, pd-ssd, pd-standard, hyperdisk-balanced... */
  diskType: string;
  /** Cloud KMS key for the data disk (CMEK); Google-managed encryption when unset. */
  kmsKeyName?: string;
  /** Give the VM an external (ephemeral) IP, and reach it by that address. */
  externalIp: boolean;
  /** Extra labels on every VM and disk. */
  labels: Record<string, string>;
  /** The user the startup script creates for the Manager's SSH access to Docker. */
  sshUser: string;
  /** For the VMs' Docker: pull-through mirrors, and registries reached without TLS. */
  registryMirrors: string[];
  insecureRegistries: string[];
  /** How long a new VM may take until it runs; keep it under dbaas.provisioning.timeoutSeconds. */
  startTimeoutSeconds: number;
  pollIntervalSeconds: number;
  /** Attempts per Compute API call on 429, 5xx and network errors. */
  apiMaxAttempts: number;
  /** Another Compute API endpoint (Private Service Connect, or a test double): a host name or URL. */
  apiEndpoint?: string;
}

/** The keys read under dbaas.runtimes.gce; deploy/terraform/gcp outputs are to be named after them. */
export const GCE_CONFIG_KEYS = [
  'project',
  'zones',
  'network',
  'subnetwork',
  'serviceAccountEmail',
  'defaultMachineType',
  'imageFamily',
  'imageProject',
  'diskType',
  'kmsKeyName',
  'externalIp',
  'labels',
  'sshUser',
  'registryMirrors',
  'insecureRegistries',
  'startTimeoutSeconds',
  'pollIntervalSeconds',
  'apiMaxAttempts',
  'apiEndpoint',
] as const;

export const GCE_DEFAULTS = {
  defaultMachineType: 'e2-medium',
  imageFamily: 'debian-12',
  imageProject: 'debian-cloud',
  diskType: 'pd-balanced',
  sshUser: 'dbaas',
  startTimeoutSeconds: 540,
  pollIntervalSeconds: 5,
  apiMaxAttempts: 6,
} as const;

const KEY = 'dbaas.runtimes.gce';
/** GCE label keys and values: lowercase letters, digits, _ and -, at most 63 (keys start with a letter). */
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
/** Keys the module sets itself. */
export const RESERVED_LABELS = [
  'dbaas-instance',
  'dbaas-owner',
  'dbaas-flavor',
  'managed-by',
];

export function readGceRuntimeConfig(config: Config): GceRuntimeConfig {
  const unknown = config
    .keys()
    .filter(k => !(GCE_CONFIG_KEYS as readonly string[]).includes(k));
  if (unknown.length) {
    throw new Error(
      `Invalid app-config at '${KEY}': unknown key(s) ${unknown.join(
        ', ',
      )}; allowed: ${GCE_CONFIG_KEYS.join(', ')}`,
    );
  }
  const zones = config.getOptionalStringArray('zones') ?? [];
  if (!zones.length) {
    throw new Error(
      `Invalid app-config at '${KEY}.zones': list at least one zone, e.g. europe-west1-b (tried in order)`,
    );
  }
  const badZone = zones.find(z => !/^[a-z]+-[a-z]+\d+-[a-z]$/.test(z));
  if (badZone) {
    throw new Error(
      `Invalid app-config at '${KEY}.zones': '${badZone}' is not a zone name such as europe-west1-b`,
    );
  }
  const apiEndpoint = config.getOptionalString('apiEndpoint');
  if (apiEndpoint !== undefined) parseApiEndpoint(apiEndpoint);
  return {
    project: config.getString('project'),
    zones,
    network: config.getOptionalString('network'),
    subnetwork: config.getOptionalString('subnetwork'),
    serviceAccountEmail: config.getOptionalString('serviceAccountEmail'),
    defaultMachineType: readMachineType(config),
    imageFamily:
      config.getOptionalString('imageFamily') ?? GCE_DEFAULTS.imageFamily,
    imageProject:
      config.getOptionalString('imageProject') ?? GCE_DEFAULTS.imageProject,
    diskType: config.getOptionalString('diskType') ?? GCE_DEFAULTS.diskType,
    kmsKeyName: readKmsKeyName(config),
    externalIp: config.getOptionalBoolean('externalIp') ?? false,
    labels: readLabels(config),
    sshUser: readSshUser(config),
    registryMirrors: config.getOptionalStringArray('registryMirrors') ?? [],
    insecureRegistries:
      config.getOptionalStringArray('insecureRegistries') ?? [],
    startTimeoutSeconds: positive(
      config,
      'startTimeoutSeconds',
      GCE_DEFAULTS.startTimeoutSeconds,
    ),
    pollIntervalSeconds: positive(
      config,
      'pollIntervalSeconds',
      GCE_DEFAULTS.pollIntervalSeconds,
    ),
    apiMaxAttempts: Math.round(
      positive(config, 'apiMaxAttempts', GCE_DEFAULTS.apiMaxAttempts),
    ),
    apiEndpoint,
  };
}

/** `apiEndpoint` as the client takes it: a host, and the port and protocol when given as a URL. */
export function parseApiEndpoint(value: string): {
  host: string;
  port?: number;
  protocol?: 'http' | 'https';
} {
  if (!value.includes('://')) {
    if (!/^[A-Za-z0-9.-]+$/.test(value)) {
      throw new Error(
        `Invalid app-config at '${KEY}.apiEndpoint': '${value}' is not a host name or an http(s) URL`,
      );
    }
    return { host: value };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(
      `Invalid app-config at '${KEY}.apiEndpoint': '${value}' is not a host name or an http(s) URL`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(
      `Invalid app-config at '${KEY}.apiEndpoint': '${value}' is not a host name or an http(s) URL`,
    );
  }
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    protocol: url.protocol === 'http:' ? 'http' : 'https',
  };
}

function readKmsKeyName(config: Config): string | undefined {
  const name = config.getOptionalString('kmsKeyName');
  if (
    name !== undefined &&
    !/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/.test(
      name,
    )
  ) {
    throw new Error(
      `Invalid app-config at '${KEY}.kmsKeyName': use the key's resource name, projects/P/locations/L/keyRings/R/cryptoKeys/K`,
    );
  }
  return name;
}

function readLabels(config: Config): Record<string, string> {
  const labels = config.getOptionalConfig('labels');
  if (!labels) return {};
  const out: Record<string, string> = {};
  for (const key of labels.keys()) {
    const value = labels.getString(key);
    if (RESERVED_LABELS.includes(key)) {
      throw new Error(
        `Invalid app-config at '${KEY}.labels': ${key} cannot be set; ${RESERVED_LABELS.join(
          ', ',
        )} are set by the runtime`,
      );
    }
    if (!LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      throw new Error(
        `Invalid app-config at '${KEY}.labels.${key}': GCE label keys and values use lowercase letters, digits, _ and - (at most 63; keys start with a letter)`,
      );
    }
    out[key] = value;
  }
  return out;
}

function readMachineType(config: Config): string {
  const type =
    config.getOptionalString('defaultMachineType') ??
    GCE_DEFAULTS.defaultMachineType;
  if (!isMachineTypeName(type)) {
    throw new Error(
      `Invalid app-config at '${KEY}.defaultMachineType': '${type}' is not a Compute Engine machine type such as e2-medium or n2-standard-4`,
    );
  }
  return type;
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
  const user = config.getOptionalString('sshUser') ?? GCE_DEFAULTS.sshUser;
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user) || user === 'root') {
    throw new Error(
      `Invalid app-config at '${KEY}.sshUser': '${user}' is not allowed; use a Linux user name other than root (lowercase letters, digits, _ and -)`,
    );
  }
  return user;
}
