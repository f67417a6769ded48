import { postgresFlavor } from '@dbaas/plugin-dbaas-node/testUtils';
import { HostSpec } from '@dbaas/plugin-dbaas-node';
import { execFileSync } from 'child_process';
import { testConfig } from './__testUtils__/testConfig';
import { insertRequest, requestIdFor, VM_SCOPES } from './insertRequest';
import { labelValue, vmName } from './labels';
import { sshKeyPairFromSeed } from '@dbaas/plugin-dbaas-node';
import { renderStartupScript } from './startupScript';

const spec: HostSpec = {
  instanceId: '0b8e4c2a-7f1d-4e5b-9a3c-2d6f8e1a4b7c',
  instanceName: 'orders',
  owner: 'user:default/Jane.Doe',
  flavor: {
    ...postgresFlavor,
    runtimeHints: { gce: { machineType: 'n2-standard-2' } },
  },
  storageGiB: 20,
};
const keys = sshKeyPairFromSeed(Buffer.alloc(32, 7), vmName(spec.instanceId));

describe('insertRequest', () => {
  it('is the exact instances.insert body', () => {
    const request = insertRequest(
      { spec, zone: 'europe-west1-b', publicKey: keys.publicKey },
      testConfig,
    );
    const labels = {
      team: 'data',
      'dbaas-instance': '0b8e4c2a-7f1d-4e5b-9a3c-2d6f8e1a4b7c',
      'dbaas-owner': 'user_default_jane_doe',
      'dbaas-flavor': 'postgresql-17-small',
      'managed-by': 'backstage-dbaas',
    };
    expect(request).toEqual({
      project: 'dbaas-test',
      zone: 'europe-west1-b',
      requestId: requestIdFor(spec.instanceId, 'europe-west1-b'),
      instanceResource: {
        name: 'dbaas-0b8e4c2a-7f1d-4e5b-9a3c-2d6f8e1a4b7c',
        description:
          'DBaaS Manager: orders (postgresql-17-small) of user:default/Jane.Doe',
        machineType: 'zones/europe-west1-b/machineTypes/n2-standard-2',
        labels,
        disks: [
          {
            boot: true,
            autoDelete: true,
            deviceName: 'boot',
            type: 'PERSISTENT',
            initializeParams: {
              sourceImage:
                'projects/debian-cloud/global/images/family/debian-12',
              labels,
            },
          },
          {
            boot: false,
            autoDelete: false,
            deviceName: 'dbaas-data',
            type: 'PERSISTENT',
            mode: 'READ_WRITE',
            initializeParams: {
              diskName: 'dbaas-0b8e4c2a-7f1d-4e5b-9a3c-2d6f8e1a4b7c-data',
              diskSizeGb: '20',
              diskType: 'zones/europe-west1-b/diskTypes/pd-balanced',
              labels,
            },
          },
        ],
        networkInterfaces: [
          {
            network: 'global/networks/dbaas',
            subnetwork: 'regions/europe-west1/subnetworks/dbaas-eu',
            accessConfigs: [],
          },
        ],
        serviceAccounts: [
          {
            email: 'dbaas-vm@dbaas-test.iam.gserviceaccount.com',
            scopes: VM_SCOPES,
          },
        ],
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
            { key: 'ssh-keys', value: `dbaas:${keys.publicKey}` },
            {
              key: 'startup-script',
              value: renderStartupScript(
                { instanceId: spec.instanceId, deviceName: 'dbaas-data' },
                testConfig,
              ),
            },
          ],
        },
      },
    });
    expect(VM_SCOPES).toEqual([
      'https://www.googleapis.com/auth/logging.write',
      'https://www.googleapis.com/auth/monitoring.write',
    ]);
    // the public half only, never the private key
    expect(JSON.stringify(request)).not.toContain('PRIVATE KEY');
    expect(keys.publicKey).toMatch(/^ssh-ed25519 AAAA[\w+/=]+ dbaas-/);
  });

  it('adds CMEK, an external IP and full network URLs when configured, and the default machine type', () => {
    const request = insertRequest(
      {
        spec: { ...spec, flavor: postgresFlavor },
        zone: 'us-central1-f',
        publicKey: keys.publicKey,
      },
      {
        ...testConfig,
        kmsKeyName: 'projects/p/locations/us-central1/keyRings/r/cryptoKeys/k',
        externalIp: true,
        network: 'projects/host/global/networks/shared',
        subnetwork: 'projects/host/regions/us-central1/subnetworks/db',
        serviceAccountEmail: undefined,
      },
    );
    const vm = request.instanceResource!;
    expect(vm.machineType).toBe('zones/us-central1-f/machineTypes/e2-medium');
    expect(vm.disks![1].diskEncryptionKey).toEqual({
      kmsKeyName: 'projects/p/locations/us-central1/keyRings/r/cryptoKeys/k',
    });
    expect(vm.disks![0].diskEncryptionKey).toBeUndefined();
    expect(vm.networkInterfaces).toEqual([
      {
        network: 'projects/host/global/networks/shared',
        subnetwork: 'projects/host/regions/us-central1/subnetworks/db',
        accessConfigs: [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }],
      },
    ]);
    expect(vm.serviceAccounts).toEqual([]);
  });
});

describe('requestIdFor', () => {
  it('is a UUID, the same for the same instance and zone, and differs otherwise', () => {
    const id = requestIdFor(spec.instanceId, 'europe-west1-b');
    expect(id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(requestIdFor(spec.instanceId, 'europe-west1-b')).toBe(id);
    expect(requestIdFor(spec.instanceId, 'europe-west1-c')).not.toBe(id);
    expect(requestIdFor('another', 'europe-west1-b')).not.toBe(id);
  });
});

describe('labels and names', () => {
  it('follow the GCE rules', () => {
    expect(labelValue('user:default/Jane.Doe')).toBe('user_default_jane_doe');
    const long = labelValue('group:default/'.padEnd(100, 'x'));
    expect(long).toMatch(/^[a-z0-9_-]{63}$/);
    expect(vmName('ABC_1')).toBe('dbaas-abc-1');
    const name = vmName('x'.repeat(80));
    expect(name.length).toBeLessThanOrEqual(57);
    expect(name).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
  });
});

describe('renderStartupScript', () => {
  const script = renderStartupScript(
    { instanceId: 'abc', deviceName: 'dbaas-data' },
    testConfig,
  );

  it('mounts the data disk by its google- device id at /var/lib/docker, formatting it once', () => {
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).toContain('dev=/dev/disk/by-id/google-dbaas-data');
    expect(script).toContain(
      '[ "$probe" != 2 ] || mkfs.ext4 -q -L dbaas-data "$dev"',
    );
    expect(script).toContain(
      'echo "LABEL=dbaas-data /var/lib/docker ext4 defaults,nofail 0 2" >> /etc/fstab',
    );
    expect(script).toContain(
      'mountpoint -q /var/lib/docker || mount /var/lib/docker',
    );
    expect(script).toContain('ConditionPathIsMountPoint=/var/lib/docker');
    // the disk is mounted before Docker is installed, so no data lands on the boot disk
    expect(script.indexOf('mount /var/lib/docker')).toBeLessThan(
      script.indexOf('apt-get install'),
    );
  });

  it("installs Docker from Debian's packages with the mirrors, and the SSH user in the docker group", () => {
    expect(script).toContain(
      'apt-get install -y -q --no-install-recommends docker.io',
    );
    expect(script).not.toMatch(/download\.docker\.com|get\.docker\.com|curl /);
    expect(script).toContain(
      '"registry-mirrors": [\n    "http://10.0.0.5:5000"\n  ]',
    );
    expect(script).toContain(
      '"insecure-registries": [\n    "10.0.0.5:5000"\n  ]',
    );
    expect(script).toContain('useradd -m -s /bin/bash dbaas');
    expect(script).toContain('usermod -aG docker dbaas');
    expect(script).toContain('PasswordAuthentication no');
    expect(script).toContain('systemctl enable --now docker');
    expect(script).not.toContain('tcp://');
  });

  it('is valid bash', () => {
    expect(() =>
      execFileSync('bash', ['-n'], { input: script, stdio: 'pipe' }),
    ).not.toThrow();
  });
});
