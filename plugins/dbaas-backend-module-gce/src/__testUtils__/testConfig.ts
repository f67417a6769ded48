import { GceRuntimeConfig } from '../config';

/** A runtime config for tests: two zones, short polls. */
export const testConfig: GceRuntimeConfig = {
  project: 'dbaas-test',
  zones: ['europe-west1-b', 'europe-west1-c'],
  network: 'dbaas',
  subnetwork: 'dbaas-eu',
  serviceAccountEmail: 'dbaas-vm@dbaas-test.iam.gserviceaccount.com',
  defaultMachineType: 'e2-medium',
  imageFamily: 'debian-12',
  imageProject: 'debian-cloud',
  diskType: 'pd-balanced',
  externalIp: false,
  labels: { team: 'data' },
  sshUser: 'dbaas',
  registryMirrors: ['http://10.0.0.5:5000'],
  insecureRegistries: ['10.0.0.5:5000'],
  startTimeoutSeconds: 30,
  pollIntervalSeconds: 0.01,
  apiMaxAttempts: 3,
};
