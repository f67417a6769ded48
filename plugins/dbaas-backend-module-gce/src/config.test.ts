import { ConfigReader } from '@backstage/config';
import {
  GCE_CONFIG_KEYS,
  parseApiEndpoint,
  readGceRuntimeConfig,
} from './config';

const minimal = { project: 'dbaas-prod', zones: ['europe-west1-b'] };
const read = (extra: object) => () =>
  readGceRuntimeConfig(new ConfigReader({ ...minimal, ...extra }));

describe('readGceRuntimeConfig', () => {
  it('fills defaults: e2-medium, Debian 12 from debian-cloud, pd-balanced, no external IP, user dbaas', () => {
    expect(readGceRuntimeConfig(new ConfigReader(minimal))).toEqual({
      project: 'dbaas-prod',
      zones: ['europe-west1-b'],
      network: undefined,
      subnetwork: undefined,
      serviceAccountEmail: undefined,
      defaultMachineType: 'e2-medium',
      imageFamily: 'debian-12',
      imageProject: 'debian-cloud',
      diskType: 'pd-balanced',
      kmsKeyName: undefined,
      externalIp: false,
      labels: {},
      sshUser: 'dbaas',
      registryMirrors: [],
      insecureRegistries: [],
      startTimeoutSeconds: 540,
      pollIntervalSeconds: 5,
      apiMaxAttempts: 6,
      apiEndpoint: undefined,
    });
  });

  it('reads every key', () => {
    const full = {
      project: 'p1',
      zones: ['us-central1-a', 'us-central1-f'],
      network: 'dbaas',
      subnetwork: 'dbaas-us',
      serviceAccountEmail: 'dbaas-vm@p1.iam.gserviceaccount.com',
      defaultMachineType: 'n2-standard-4',
      imageFamily: 'debian-12-arm64',
      imageProject: 'my-images',
      diskType: 'pd-ssd',
      kmsKeyName: 'projects/p1/locations/us-central1/keyRings/r/cryptoKeys/k',
      externalIp: true,
      labels: { team: 'data', 'cost-center': '42' },
      sshUser: 'manager',
      registryMirrors: ['http://10.0.0.5:5000'],
      insecureRegistries: ['10.0.0.5:5000'],
      startTimeoutSeconds: 300,
      pollIntervalSeconds: 2,
      apiMaxAttempts: 3,
      apiEndpoint: 'http://127.0.0.1:8089',
    };
    expect(Object.keys(full).sort()).toEqual([...GCE_CONFIG_KEYS].sort());
    expect(readGceRuntimeConfig(new ConfigReader(full))).toEqual(full);
  });

  it('refuses an unknown key, naming it and the allowed ones', () => {
    expect(read({ region: 'europe-west1', machineType: 'e2-small' })).toThrow(
      `Invalid app-config at 'dbaas.runtimes.gce': unknown key(s) region, machineType; allowed: ${GCE_CONFIG_KEYS.join(
        ', ',
      )}`,
    );
  });

  it('names the key and what is allowed on bad values', () => {
    expect(read({ zones: [] })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.gce.zones': list at least one zone",
    );
    expect(read({ zones: ['europe-west1'] })).toThrow(
      "'europe-west1' is not a zone name such as europe-west1-b",
    );
    expect(read({ defaultMachineType: 'E2 Medium' })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.gce.defaultMachineType': 'E2 Medium' is not a Compute Engine machine type",
    );
    expect(read({ kmsKeyName: 'my-key' })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.gce.kmsKeyName': use the key's resource name",
    );
    expect(read({ labels: { 'managed-by': 'me' } })).toThrow(
      'managed-by cannot be set',
    );
    expect(read({ labels: { Team: 'Data' } })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.gce.labels.Team': GCE label keys and values use lowercase letters",
    );
    expect(read({ sshUser: 'root' })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.gce.sshUser': 'root' is not allowed",
    );
    expect(read({ apiMaxAttempts: 0 })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.gce.apiMaxAttempts': 0 is not allowed; use a number above 0 (default 6)",
    );
    expect(read({ apiEndpoint: 'ftp://x' })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.gce.apiEndpoint': 'ftp://x' is not a host name or an http(s) URL",
    );
    expect(read({ project: undefined })).toThrow(
      "Missing required config value at 'project'",
    );
  });
});

describe('parseApiEndpoint', () => {
  it('takes a host name, or a URL with protocol and port', () => {
    expect(parseApiEndpoint('compute-private.example.internal')).toEqual({
      host: 'compute-private.example.internal',
    });
    expect(parseApiEndpoint('http://127.0.0.1:8089')).toEqual({
      host: '127.0.0.1',
      port: 8089,
      protocol: 'http',
    });
    expect(parseApiEndpoint('https://compute.example.internal')).toEqual({
      host: 'compute.example.internal',
      port: undefined,
      protocol: 'https',
    });
  });
});
