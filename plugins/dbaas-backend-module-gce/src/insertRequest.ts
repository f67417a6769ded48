import { protos } from '@google-cloud/compute';
import { HostSpec } from '@dbaas/plugin-dbaas-node';
import crypto from 'crypto';
import { GceRuntimeConfig } from './config';
import { machineTypeFor } from './hostHints';
import {
  DATA_DEVICE_NAME,
  dataDiskName,
  resourceLabels,
  vmName,
} from './labels';
import { renderStartupScript } from './startupScript';

type InsertInstanceRequest =
  protos.google.cloud.compute.v1.IInsertInstanceRequest;

/** The scopes a database VM's service account gets: its logs and metrics, nothing else. */
export const VM_SCOPES = [
  'https://www.googleapis.com/auth/logging.write',
  'https://www.googleapis.com/auth/monitoring.write',
];

// a fixed namespace for the module's name-based UUIDs (RFC 9562 version 5)
const NAMESPACE = Buffer.from('6f1d4c1e8a3b5e2f9c7d0a4b3e2f1a6c', 'hex');

/**
 * The `requestId` of an instance's `instances.insert` in a zone: a UUID (version 5) from the
 * instance id and zone, so a retry of the same create (after a timeout or a crash) is the same
 * request to GCE and never makes a second VM.
 */
export function requestIdFor(instanceId: string, zone: string): string {
  return uuidFromName(`gce-insert:${instanceId}:${zone}`);
}

/** A name-based UUID (version 5): the same name gives the same UUID. */
export function uuidFromName(name: string): string {
  const hash = crypto
    .createHash('sha1')
    .update(NAMESPACE)
    .update(name)
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(
    12,
    16,
  )}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const regionOf = (zone: string) => zone.replace(/-[a-z]$/, '');

function networkUrl(network: string) {
  return network.includes('/') ? network : `global/networks/${network}`;
}

function subnetworkUrl(subnetwork: string, zone: string) {
  return subnetwork.includes('/')
    ? subnetwork
    : `regions/${regionOf(zone)}/subnetworks/${subnetwork}`;
}

export interface InsertInput {
  spec: HostSpec;
  zone: string;
  /** `ssh-ed25519 AAAA… comment`: only ever the public half. */
  publicKey: string;
}

/**
 * The `instances.insert` request for an instance's VM: the flavor's machine type, a boot disk
 * from the image family, a separate persistent data disk of the requested size (optionally
 * CMEK-encrypted) that the guest finds at /dev/disk/by-id/google-dbaas-data, labels, the
 * service account with logging and monitoring scopes only, Shielded VM, no external IP unless
 * configured, OS Login off and the instance's own SSH key (project-wide keys blocked), and the
 * startup script that installs Docker.
 */
export function insertRequest(
  { spec, zone, publicKey }: InsertInput,
  config: GceRuntimeConfig,
): InsertInstanceRequest {
  const labels = resourceLabels(spec, config.labels);
  const name = vmName(spec.instanceId);
  return {
    project: config.project,
    zone,
    requestId: requestIdFor(spec.instanceId, zone),
    instanceResource: {
      name,
      description: `DBaaS Manager: ${spec.instanceName} (${spec.flavor.id}) of ${spec.owner}`,
      machineType: `zones/${zone}/machineTypes/${machineTypeFor(
        spec.flavor,
        config.defaultMachineType,
      )}`,
      labels,
      disks: [
        {
          boot: true,
          autoDelete: true,
          deviceName: 'boot',
          type: 'PERSISTENT',
          initializeParams: {
            sourceImage: `projects/${config.imageProject}/global/images/family/${config.imageFamily}`,
            labels,
          },
        },
        {
          boot: false,
          // deleted by the runtime itself, after the VM (see GceHostProvider.destroy)
          autoDelete: false,
          deviceName: DATA_DEVICE_NAME,
          type: 'PERSISTENT',
          mode: 'READ_WRITE',
          initializeParams: {
            diskName: dataDiskName(spec.instanceId),
            diskSizeGb: String(spec.storageGiB),
            diskType: `zones/${zone}/diskTypes/${config.diskType}`,
            labels,
          },
          ...(config.kmsKeyName
            ? { diskEncryptionKey: { kmsKeyName: config.kmsKeyName } }
            : {}),
        },
      ],
      networkInterfaces: [
        {
          ...(config.network ? { network: networkUrl(config.network) } : {}),
          ...(config.subnetwork
            ? { subnetwork: subnetworkUrl(config.subnetwork, zone) }
            : {}),
          accessConfigs: config.externalIp
            ? [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }]
            : [],
        },
      ],
      serviceAccounts: config.serviceAccountEmail
        ? [{ email: config.serviceAccountEmail, scopes: VM_SCOPES }]
        : [],
      shieldedInstanceConfig: {
        enableSecureBoot: true,
        enableVtpm: true,
        enableIntegrityMonitoring: true,
      },
      scheduling: { automaticRestart: true, onHostMaintenance: 'MIGRATE' },
      metadata: {
        items: [
          { key: 'enable-oslogin', value: 'FALSE' },
          { key: 'block-project-ssh-keys', value: 'TRUE' },
          { key: 'ssh-keys', value: `${config.sshUser}:${publicKey}` },
          {
            key: 'startup-script',
            value: renderStartupScript(
              { instanceId: spec.instanceId, deviceName: DATA_DEVICE_NAME },
              config,
            ),
          },
        ],
      },
    },
  };
}
