import { parse } from '@cdktf/hcl2json';
import { HostSpec } from '@dbaas/plugin-dbaas-node';
import { postgresFlavor } from '@dbaas/plugin-dbaas-node/testUtils';
import fs from 'fs';
import path from 'path';
import { testConfig } from './__testUtils__/testConfig';
import { GCE_CONFIG_KEYS, GCE_DEFAULTS } from './config';
import { insertRequest, VM_SCOPES } from './insertRequest';
import { dataDiskName, vmName } from './labels';

/**
 * deploy/terraform/gcp, checked without terraform or Google Cloud: every file parses (hcl2json,
 * the HCL parser compiled to wasm), every reference points at something declared, the outputs
 * are named after the app-config keys they fill, the backend's custom roles grant exactly the
 * permissions of the Compute calls this module makes (read from its source), SSH is open only
 * from the backend, the engine ports never from anywhere by default, the VMs' service account
 * only writes logs and metrics, and the CMEK key is optional.
 */

// the wasm parser starts on first use
jest.setTimeout(60_000);

const MODULE_DIR = path.resolve(__dirname, '../../../deploy/terraform/gcp');

/**
 * The IAM permissions each Compute call needs (client.method, as the module calls it). A call
 * the module's source makes that is missing here fails the test: add its permissions here and
 * to deploy/terraform/gcp/iam.tf.
 */
const CALL_PERMISSIONS: Record<string, string[]> = {
  // the VM with its metadata (SSH key, startup script), labels and service account; its boot
  // and data disks with their labels; on the subnetwork (and its external IP with externalIp:
  // EXTERNAL_IP_PERMISSIONS); actAs on the service account is the serviceAccountUser grant
  'instances.insert': [
    'compute.instances.create',
    'compute.instances.setMetadata',
    'compute.instances.setLabels',
    'compute.instances.setServiceAccount',
    'compute.disks.create',
    'compute.disks.setLabels',
    'compute.subnetworks.use',
    'iam.serviceAccounts.actAs',
  ],
  'instances.get': ['compute.instances.get'],
  'instances.list': ['compute.instances.list'],
  // the boot disk is auto-deleted with the VM, on the caller's rights
  'instances.delete': ['compute.instances.delete', 'compute.disks.delete'],
  'instances.stop': ['compute.instances.stop'],
  'instances.start': ['compute.instances.start'],
  'instances.setMachineType': ['compute.instances.setMachineType'],
  'instances.setLabels': ['compute.instances.setLabels'],
  'instances.setMetadata': ['compute.instances.setMetadata'],
  'disks.get': ['compute.disks.get'],
  'disks.list': ['compute.disks.list'],
  'disks.delete': ['compute.disks.delete'],
  'disks.resize': ['compute.disks.resize'],
  'disks.insert': ['compute.disks.create', 'compute.disks.setLabels'],
  'zoneOperations.get': ['compute.zoneOperations.get'],
  'zoneOperations.wait': ['compute.zoneOperations.get'],
  'images.getFromFamily': ['compute.images.getFromFamily'],
};
const EXTERNAL_IP_PERMISSIONS = ['compute.subnetworks.useExternalIp'];
/**
 * Permissions the module's own hints (computeErrors.ts PERMISSIONS) name that the custom roles
 * leave out on purpose, and why.
 */
const NOT_IN_CUSTOM_ROLES: Record<string, string> = {
  // public image projects (debian-cloud) need no grant; a private one gets roles/compute.imageUser
  // with grant_image_project_access
  'compute.images.useReadOnly': 'google_project_iam_member.backend_image_user',
};
// roles nobody here may hold
const BROAD_ROLES = [
  'roles/owner',
  'roles/editor',
  'roles/viewer',
  'roles/compute.admin',
  'roles/compute.instanceAdmin',
  'roles/compute.instanceAdmin.v1',
  'roles/iam.serviceAccountTokenCreator',
  'roles/iam.serviceAccountAdmin',
];
const VM_SCOPE_ROLES: Record<string, string> = {
  'https://www.googleapis.com/auth/logging.write': 'roles/logging.logWriter',
  'https://www.googleapis.com/auth/monitoring.write':
    'roles/monitoring.metricWriter',
};
const ENGINE_PORTS = [5432, 3306];

type Json = Record<string, any>;

/** The module's non-test sources, by file name. */
const sources = Object.fromEntries(
  fs
    .readdirSync(__dirname)
    .filter(f => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map(f => [f, fs.readFileSync(path.join(__dirname, f), 'utf8')]),
);

/**
 * Every Compute call the module makes: `clients.<client>.<method>(` (GceClients: instances,
 * disks, zoneOperations) and the names it reports them by, `this.call('<client>.<method>'`.
 */
function computeCalls(from: Record<string, string> = sources): string[] {
  const calls = new Set<string>();
  for (const source of Object.values(from)) {
    for (const m of source.matchAll(
      /\bclients\s*\.\s*(\w+)\s*\.\s*(\w+)\s*\(/g,
    )) {
      calls.add(`${m[1]}.${m[2]}`);
    }
    for (const m of source.matchAll(/\bcall\(\s*'(\w+\.\w+)'/g)) {
      calls.add(m[1]);
    }
  }
  return [...calls].sort();
}

/** computeErrors.ts's permission hints per call: what the module tells an operator to grant. */
function hintedPermissions(): Record<string, string[]> {
  const source = sources['computeErrors.ts'] ?? '';
  const table = /const PERMISSIONS[^{]*{([\s\S]*?)\n};/.exec(source)?.[1] ?? '';
  const out: Record<string, string[]> = {};
  // the value in single or double quotes (prettier picks double for a text with an apostrophe)
  for (const m of table.matchAll(
    /'([\w.]+)':\s*((?:(?:'[^']*'|"[^"]*")\s*\+?\s*)+)/g,
  )) {
    out[m[1]] = [...m[2].matchAll(/\b(compute\.\w+\.\w+)/g)].map(p => p[1]);
  }
  return out;
}

const tfFiles = fs
  .readdirSync(MODULE_DIR)
  .filter(f => f.endsWith('.tf'))
  .sort();

const parsed: Record<string, Json> = {};
const parseErrors: string[] = [];

beforeAll(async () => {
  for (const file of tfFiles) {
    try {
      parsed[file] = await parse(
        file,
        fs.readFileSync(path.join(MODULE_DIR, file), 'utf8'),
      );
    } catch (e) {
      parseErrors.push(`${file}: ${(e as Error).message}`);
    }
  }
});

/** `{ type: { name: [body] } }` sections (resource, data) from every file. */
function labelled(section: string): Map<string, Json> {
  const found = new Map<string, Json>();
  for (const doc of Object.values(parsed)) {
    for (const [type, byName] of Object.entries<Json>(doc[section] ?? {})) {
      for (const [name, bodies] of Object.entries<Json[]>(byName)) {
        found.set(`${type}.${name}`, bodies[0]);
      }
    }
  }
  return found;
}

/** `{ name: [body] }` sections (variable, output) from every file. */
function named(section: string): Map<string, Json> {
  const found = new Map<string, Json>();
  for (const doc of Object.values(parsed)) {
    for (const [name, bodies] of Object.entries<Json[]>(doc[section] ?? {})) {
      found.set(name, bodies[0]);
    }
  }
  return found;
}

function locals(): Map<string, unknown> {
  const found = new Map<string, unknown>();
  for (const doc of Object.values(parsed)) {
    for (const block of (doc.locals ?? []) as Json[]) {
      for (const [name, value] of Object.entries(block)) found.set(name, value);
    }
  }
  return found;
}

function resources(type: string): Array<[string, Json]> {
  return [...labelled('resource')].filter(([key]) =>
    key.startsWith(`${type}.`),
  );
}

function resource(key: string): Json {
  const body = labelled('resource').get(key);
  if (!body) throw new Error(`no resource ${key}`);
  return body;
}

/** Every string value (expressions come through as `${...}` strings; comments are gone). */
function strings(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) node.forEach(n => strings(n, out));
  else if (node && typeof node === 'object') {
    Object.values(node).forEach(n => strings(n, out));
  }
  return out;
}

/** The string values that are settings: descriptions, titles and error messages left out. */
function settings(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) node.forEach(n => settings(n, out));
  else if (node && typeof node === 'object') {
    Object.entries(node)
      .filter(
        ([key]) => !['description', 'title', 'error_message'].includes(key),
      )
      .forEach(([, n]) => settings(n, out));
  }
  return out;
}

function references(pattern: RegExp): { ref: string; file: string }[] {
  const refs: { ref: string; file: string }[] = [];
  for (const [file, doc] of Object.entries(parsed)) {
    for (const s of strings(doc)) {
      for (const m of s.matchAll(pattern)) refs.push({ ref: m[1], file });
    }
  }
  return refs;
}

function undeclared(
  refs: { ref: string; file: string }[],
  declared: { has(name: string): boolean },
): string[] {
  return [
    ...new Set(
      refs.filter(r => !declared.has(r.ref)).map(r => `${r.ref} (${r.file})`),
    ),
  ];
}

/**
 * A custom role's permissions: a literal list, or an expression of locals that are literal
 * lists (every list it may pick is counted).
 */
function rolePermissions(role: Json): string[] {
  const value = role.permissions;
  if (Array.isArray(value)) return value as string[];
  const all = locals();
  return [...String(value).matchAll(/\blocal\.(\w+)/g)].flatMap(m => {
    const list = all.get(m[1]);
    if (
      !Array.isArray(list) ||
      !list.every(p => typeof p === 'string' && !p.includes('${'))
    ) {
      throw new Error(`local.${m[1]} is not a literal list of permissions`);
    }
    return list as string[];
  });
}

/** The custom role a grant refers to: `${google_project_iam_custom_role.X.name}` → X. */
function customRoleOf(grant: Json): string | undefined {
  return /^\$\{google_project_iam_custom_role\.(\w+)\.(name|id)\}$/.exec(
    String(grant.role),
  )?.[1];
}

/** Every IAM grant of the module: [resource key, body]. */
function grants(): Array<[string, Json]> {
  return [...labelled('resource')].filter(([key]) =>
    /^google_\w+_iam_(member|binding)\./.test(key),
  );
}

describe('deploy/terraform/gcp', () => {
  it('has a file per concern, and every .tf file parses', () => {
    expect(tfFiles).toEqual(
      expect.arrayContaining([
        'versions.tf',
        'variables.tf',
        'network.tf',
        'firewall.tf',
        'iam.tf',
        'kms.tf',
        'outputs.tf',
      ]),
    );
    expect(parseErrors).toEqual([]);
    expect(Object.keys(parsed).sort()).toEqual(tfFiles);
  });

  it('declares every var., local., resource and data source it references', () => {
    const variables = named('variable');
    expect(variables.size).toBeGreaterThan(0);
    expect(
      undeclared(references(/\bvar\.([A-Za-z_][\w-]*)/g), variables),
    ).toEqual([]);
    expect(
      undeclared(references(/\blocal\.([A-Za-z_][\w-]*)/g), locals()),
    ).toEqual([]);
    expect(
      undeclared(
        references(/(?<![\w.])(google_[a-z0-9_]+\.[A-Za-z_][\w-]*)/g),
        labelled('resource'),
      ),
    ).toEqual([]);
    expect(
      undeclared(
        references(/\bdata\.([a-z][a-z0-9_]*\.[A-Za-z_][\w-]*)/g),
        labelled('data'),
      ),
    ).toEqual([]);
  });

  it('gives every variable a description and a type', () => {
    const incomplete = [...named('variable')]
      .filter(
        ([, body]) =>
          typeof body.description !== 'string' ||
          !body.description.trim() ||
          typeof body.type !== 'string' ||
          !body.type.trim(),
      )
      .map(([name]) => name);
    expect(incomplete).toEqual([]);
  });

  describe('outputs', () => {
    it('are named after the dbaas.runtimes.gce keys they fill, and appConfig', () => {
      const outputs = [...named('output').keys()];
      const allowed: string[] = [...GCE_CONFIG_KEYS, 'appConfig'];
      expect(outputs.filter(o => !allowed.includes(o))).toEqual([]);
      expect(outputs).toEqual(
        expect.arrayContaining([
          'project',
          'zones',
          'network',
          'subnetwork',
          'serviceAccountEmail',
          'kmsKeyName',
          'appConfig',
        ]),
      );
    });

    it('make an appConfig block of dbaas.runtimes.gce keys only, each filled like its output', () => {
      const outputs = named('output');
      const value = String(outputs.get('appConfig')?.value);
      expect(value).toMatch(/^\$\{yamlencode\(\{/);
      const block =
        /dbaas\s*=\s*\{\s*runtimes\s*=\s*\{\s*gce\s*=\s*\{\s*for key, value in \{([^{}]*)\}\s*:\s*key => value if value != null/.exec(
          value,
        );
      expect(block).not.toBeNull();
      const entries = [
        ...block![1].matchAll(/^\s*(\w+)\s*=\s*(.+?)\s*$/gm),
      ].map(m => [m[1], m[2]] as const);
      const keys = entries.map(([key]) => key);
      expect(keys.length).toBeGreaterThan(0);
      expect(
        keys.filter(k => !(GCE_CONFIG_KEYS as readonly string[]).includes(k)),
      ).toEqual([]);
      // every key-named output is in the block, with the same value
      const configOutputs = [...outputs.keys()].filter(o => o !== 'appConfig');
      expect([...keys].sort()).toEqual([...configOutputs].sort());
      for (const [key, expression] of entries) {
        expect([key, `\${${expression}}`]).toEqual([
          key,
          outputs.get(key)?.value,
        ]);
      }
    });

    it('default the image to the module defaults', () => {
      const variables = named('variable');
      expect(variables.get('image_family')?.default).toBe(
        GCE_DEFAULTS.imageFamily,
      );
      expect(variables.get('image_project')?.default).toBe(
        GCE_DEFAULTS.imageProject,
      );
      expect(variables.get('external_ip')?.default).toBe(false);
    });
  });

  describe("the backend's custom roles", () => {
    const customRoles = () =>
      new Map(
        resources('google_project_iam_custom_role').map(([key, body]) => [
          key.split('.')[1],
          body,
        ]),
      );
    const granted = () =>
      new Set([...customRoles().values()].flatMap(rolePermissions));

    it('are found from the module source: every Compute call it makes is in the table', () => {
      const calls = computeCalls();
      // the calls GceHostProvider makes today, so the scan itself cannot go blind
      expect(calls).toEqual(
        expect.arrayContaining([
          'instances.insert',
          'instances.get',
          'instances.list',
          'instances.delete',
          'disks.list',
          'disks.delete',
          'zoneOperations.wait',
        ]),
      );
      expect(calls.filter(c => !CALL_PERMISSIONS[c])).toEqual([]);

      // a call the table does not map is caught, however it is written
      const added = computeCalls({
        'x.ts': `this.options.clients.instances
          .suspend(request); this.call('disks.createSnapshot', ctx, f);`,
      });
      expect(added).toEqual(['disks.createSnapshot', 'instances.suspend']);
      expect(added.filter(c => !CALL_PERMISSIONS[c])).toEqual(added);
    });

    it('grant every permission of every Compute call the module makes', () => {
      const needed = computeCalls().flatMap(c => CALL_PERMISSIONS[c] ?? []);
      const compute = needed.filter(p => p.startsWith('compute.'));
      expect([...new Set(compute)].filter(p => !granted().has(p))).toEqual([]);
      // actAs: roles/iam.serviceAccountUser on the VMs' service account (below)
      expect(needed).toContain('iam.serviceAccounts.actAs');
    });

    it('grant nothing beyond those calls (and the external IP, only with external_ip)', () => {
      const needed = new Set([
        ...computeCalls().flatMap(c => CALL_PERMISSIONS[c] ?? []),
        ...EXTERNAL_IP_PERMISSIONS,
      ]);
      expect([...granted()].filter(p => !needed.has(p))).toEqual([]);
      expect(
        [...granted()].filter(
          p => p.includes('*') || !p.startsWith('compute.'),
        ),
      ).toEqual([]);
      // useExternalIp comes only with external_ip
      const subnetwork = customRoles().get('backend_subnetwork')!;
      expect(subnetwork.permissions).toMatch(/^\$\{var\.external_ip \?/);
      expect(locals().get('backend_subnetwork_permissions')).toEqual([
        'compute.subnetworks.use',
      ]);
      expect(locals().get('backend_external_ip_permissions')).toEqual(
        EXTERNAL_IP_PERMISSIONS,
      );
    });

    it("cover the module's own permission hints (computeErrors.ts), but for documented exceptions", () => {
      const hints = hintedPermissions();
      const calls = computeCalls();
      expect(Object.keys(hints)).toEqual(expect.arrayContaining(calls));
      const missing = calls
        .flatMap(c => hints[c] ?? [])
        .filter(p => !granted().has(p) && !NOT_IN_CUSTOM_ROLES[p]);
      expect(missing).toEqual([]);
      for (const where of Object.values(NOT_IN_CUSTOM_ROLES)) {
        expect(labelled('resource').has(where)).toBe(true);
      }
      const imageUser = resource(
        'google_project_iam_member.backend_image_user',
      );
      expect(imageUser.role).toBe('roles/compute.imageUser');
      expect(imageUser.project).toBe('${var.image_project}');
      expect(imageUser.count).toMatch(/var\.grant_image_project_access/);
      expect(named('variable').get('grant_image_project_access')?.default).toBe(
        false,
      );
    });

    it('limit instances and disks to the names the module gives them, by an IAM condition', () => {
      const prefix = String(locals().get('managed_name_prefix'));
      expect(prefix).toBe('dbaas-');
      for (const name of [
        vmName('0b8e4c2a-7f1d-4e5b-9a3c-2d6f8e1a4b7c'),
        dataDiskName('0b8e4c2a-7f1d-4e5b-9a3c-2d6f8e1a4b7c'),
        vmName('A'.repeat(80)),
      ]) {
        expect(name.startsWith(prefix)).toBe(true);
      }

      // every create/get/delete/set on an instance or disk is in the one conditioned role
      const vmRole = customRoles().get('backend_vm')!;
      const resourceScoped = [...granted()].filter(p =>
        /^compute\.(instances|disks)\.(?!list$)/.test(p),
      );
      expect([...rolePermissions(vmRole)].sort()).toEqual(
        [...resourceScoped].sort(),
      );

      const grant = resource('google_project_iam_member.backend_vm');
      expect(customRoleOf(grant)).toBe('backend_vm');
      expect(grant.condition?.[0]?.expression).toBe(
        '${local.backend_vm_condition}',
      );
      const condition = String(locals().get('backend_vm_condition'));
      for (const part of [
        'resource.type == \\"compute.googleapis.com/Instance\\"',
        'resource.name.extract(\\"/instances/{name}\\").startsWith(\\"${local.managed_name_prefix}\\")',
        'resource.type == \\"compute.googleapis.com/Disk\\"',
        'resource.name.extract(\\"/disks/{name}\\").startsWith(\\"${local.managed_name_prefix}\\")',
      ]) {
        expect(condition).toContain(part);
      }

      // the only unconditioned project-wide grant is the list / operation role
      const unconditioned = grants()
        .filter(
          ([key, body]) =>
            key.startsWith('google_project_iam_member.') &&
            customRoleOf(body) &&
            !body.condition,
        )
        .map(([, body]) => customRoleOf(body));
      expect(unconditioned).toEqual(['backend_project']);
      expect(
        [...rolePermissions(customRoles().get('backend_project')!)].sort(),
      ).toEqual(
        [
          'compute.disks.list',
          'compute.instances.list',
          'compute.zoneOperations.get',
        ].sort(),
      );
    });

    it('grant the subnetwork right on the subnetwork only, and actAs on the VM service account only', () => {
      const subnetworkGrants = grants().filter(
        ([, body]) => customRoleOf(body) === 'backend_subnetwork',
      );
      expect(subnetworkGrants.map(([key]) => key)).toEqual([
        'google_compute_subnetwork_iam_member.backend',
      ]);
      expect(subnetworkGrants[0][1].subnetwork).toBe(
        '${local.subnetwork_name}',
      );

      const actAs = grants().filter(([, body]) =>
        String(body.role).startsWith('roles/iam.serviceAccount'),
      );
      expect(actAs.map(([key, body]) => [key, body.role])).toEqual([
        [
          'google_service_account_iam_member.backend_act_as',
          'roles/iam.serviceAccountUser',
        ],
      ]);
      expect(actAs[0][1].service_account_id).toBe(
        '${google_service_account.vm.name}',
      );
    });

    it('grant the backend only when its service account is given', () => {
      const backendGrants = grants().filter(
        ([, body]) => body.member === '${local.backend_member}',
      );
      expect(backendGrants.length).toBeGreaterThanOrEqual(5);
      expect(
        backendGrants
          .filter(([, body]) => !/local\.bind_backend/.test(String(body.count)))
          .map(([key]) => key),
      ).toEqual([]);
      expect(locals().get('bind_backend')).toBe(
        '${var.backstage_backend_service_account_email != null}',
      );
    });
  });

  describe('the VMs', () => {
    it("service account only writes logs and metrics, matching the module's scopes", () => {
      expect(locals().get('vm_roles')).toEqual(
        VM_SCOPES.map(scope => VM_SCOPE_ROLES[scope]),
      );
      const vmGrants = grants().filter(([, body]) =>
        String(body.member).includes('google_service_account.vm.'),
      );
      expect(vmGrants.map(([key, body]) => [key, body.role])).toEqual([
        ['google_project_iam_member.vm', '${each.value}'],
      ]);
      expect(vmGrants[0][1].for_each).toBe('${toset(local.vm_roles)}');
    });

    it('nobody gets a broad role', () => {
      const roles = grants().map(([, body]) => String(body.role));
      const all = [...roles, ...(locals().get('vm_roles') as string[])];
      expect(all.filter(r => BROAD_ROLES.includes(r))).toEqual([]);
      expect(
        strings(parsed).filter(s => BROAD_ROLES.some(r => s.includes(`${r}"`))),
      ).toEqual([]);
    });
  });

  describe('the firewall', () => {
    const rules = () => resources('google_compute_firewall');
    const ports = (rule: Json): unknown =>
      ((rule.allow ?? []) as Json[]).map(a => a.ports);

    it('only lets traffic in, to the VMs by their service account, from source ranges that exist', () => {
      expect(rules().length).toBe(3);
      for (const [key, rule] of rules()) {
        expect([key, rule.direction]).toEqual([key, 'INGRESS']);
        expect([key, rule.target_service_accounts]).toEqual([
          key,
          '${local.vm_service_accounts}',
        ]);
        expect([key, rule.source_ranges]).toEqual([key, '${each.value}']);
        expect([key, rule.source_tags, rule.source_service_accounts]).toEqual([
          key,
          undefined,
          undefined,
        ]);
        expect([key, rule.deny]).toEqual([key, undefined]);
        // allow rules with a port list over TCP only
        expect(
          ((rule.allow ?? []) as Json[]).every(
            a => a.protocol === 'tcp' && a.ports !== undefined,
          ),
        ).toBe(true);
      }
      expect(locals().get('vm_service_accounts')).toEqual([
        '${google_service_account.vm.email}',
      ]);
      // a rule without sources would mean 0.0.0.0/0: each source map drops empty lists
      for (const source of ['backend_sources', 'database_client_sources']) {
        expect([source, locals().get(source)]).toEqual([
          source,
          expect.stringMatching(/=> cidrs if length\(cidrs\) > 0\s*\}\}$/),
        ]);
      }
    });

    it('selects the VMs the module creates: by the service account they carry (the module sets no network tag)', () => {
      const spec: HostSpec = {
        instanceId: '0b8e4c2a-7f1d-4e5b-9a3c-2d6f8e1a4b7c',
        instanceName: 'orders',
        owner: 'user:default/jane',
        flavor: postgresFlavor,
        storageGiB: 10,
      };
      // configured as the outputs say: partial URLs and the created service account
      const config = {
        ...testConfig,
        network: 'projects/net-host/global/networks/backstage-dbaas-net',
        subnetwork:
          'projects/net-host/regions/europe-west1/subnetworks/backstage-dbaas-europe-west1',
      };
      const vm = insertRequest(
        { spec, zone: 'europe-west1-b', publicKey: 'ssh-ed25519 AAAA test' },
        config,
      ).instanceResource!;
      expect(vm.serviceAccounts?.map(a => a.email)).toEqual([
        config.serviceAccountEmail,
      ]);
      // were a tag added, the rules could target it instead (target_tags)
      expect(vm.tags?.items ?? []).toEqual([]);
      expect(
        vm.name!.startsWith(String(locals().get('managed_name_prefix'))),
      ).toBe(true);
      // the network outputs' partial URLs reach the API as they are
      expect(vm.networkInterfaces?.[0].network).toBe(config.network);
      expect(vm.networkInterfaces?.[0].subnetwork).toBe(config.subnetwork);
      expect(locals().get('network_url')).toBe(
        'projects/${local.network_project}/global/networks/${local.network_name}',
      );
      expect(locals().get('subnetwork_url')).toBe(
        'projects/${local.network_project}/regions/${var.region}/subnetworks/${local.subnetwork_name}',
      );
      expect(resource('google_service_account.vm').project).toBe(
        '${var.project}',
      );
    });

    it('opens SSH (22) only from the backend', () => {
      // the engine ports' rules take var.database_ports, which may never hold 22
      const portsVariable = named('variable').get('database_ports')!;
      expect(portsVariable.validation[0].condition).toMatch(
        /&& p != 22\]\)\}$/,
      );
      const ssh = rules().filter(([, rule]) =>
        strings(ports(rule)).some(p => {
          if (p === '${local.database_ports}') return false;
          const [from, to = from] = p.split('-').map(Number);
          return p.includes('${') || !(from > 22 || to < 22);
        }),
      );
      expect(ssh.map(([key]) => key)).toEqual([
        'google_compute_firewall.ssh_from_backend',
      ]);
      expect(ssh[0][1].for_each).toBe('${local.backend_sources}');
      expect(ports(ssh[0][1])).toEqual([['22']]);
      expect(String(locals().get('backend_sources'))).toMatch(
        /var\.backstage_backend_cidrs/,
      );
      expect(String(locals().get('backend_sources'))).not.toMatch(
        /var\.database_client_cidrs/,
      );
      // required, and never anywhere
      const backend = named('variable').get('backstage_backend_cidrs')!;
      expect('default' in backend).toBe(false);
      expect(backend.validation[0].condition).toMatch(
        /length\(var\.backstage_backend_cidrs\) > 0/,
      );
      expect(backend.validation[0].condition).toMatch(
        /!contains\(\["0\.0\.0\.0\/0", "::\/0"\], c\)/,
      );
    });

    it('opens the engine ports to the configured clients and the backend, never to anywhere by default', () => {
      const variables = named('variable');
      expect(variables.get('database_ports')?.default).toEqual(ENGINE_PORTS);
      expect(variables.get('database_client_cidrs')?.default).toEqual([]);
      expect(locals().get('database_ports')).toBe(
        '${[for p in var.database_ports : tostring(p)]}',
      );
      const engine = rules().filter(
        ([key]) => key !== 'google_compute_firewall.ssh_from_backend',
      );
      expect(
        engine.map(([key, rule]) => [key, rule.for_each, ports(rule)]),
      ).toEqual([
        [
          'google_compute_firewall.database_from_backend',
          '${local.backend_database_sources}',
          ['${local.database_ports}'],
        ],
        [
          'google_compute_firewall.database_from_clients',
          '${local.database_client_sources}',
          ['${local.database_ports}'],
        ],
      ]);
      expect(String(locals().get('database_client_sources'))).toMatch(
        /var\.database_client_cidrs/,
      );
      expect(locals().get('backend_database_sources')).toBe(
        '${var.backend_database_access ? local.backend_sources : {}}',
      );
      // no open-to-the-world range written anywhere in the module but the SSH guard
      const world = settings(parsed).filter(
        s => s.includes('0.0.0.0/0') || s.includes('::/0'),
      );
      expect(world).toEqual([
        named('variable').get('backstage_backend_cidrs')!.validation[0]
          .condition,
      ]);
    });
  });

  describe('the KMS key for the data disks', () => {
    it('is optional, created only with create_kms_key, and used by the Compute service agent', () => {
      const variables = named('variable');
      expect(variables.get('create_kms_key')?.default).toBe(false);
      expect(variables.get('kms_key_name')?.default).toBeNull();
      for (const key of [
        'google_kms_key_ring.disks',
        'google_kms_crypto_key.disks',
      ]) {
        expect([key, resource(key).count]).toEqual([
          key,
          '${var.create_kms_key ? 1 : 0}',
        ]);
      }
      const key = resource('google_kms_crypto_key.disks');
      expect(key.purpose).toBe('ENCRYPT_DECRYPT');
      expect(key.rotation_period).toBe('${var.kms_key_rotation_period}');
      expect(key.lifecycle[0].prevent_destroy).toBe(true);

      const agent = resource(
        'google_kms_crypto_key_iam_member.compute_service_agent',
      );
      expect(agent.count).toBe('${local.use_kms_key ? 1 : 0}');
      expect(agent.role).toBe('roles/cloudkms.cryptoKeyEncrypterDecrypter');
      expect(agent.crypto_key_id).toBe('${local.kms_key_name}');
      expect(agent.member).toBe('${local.compute_service_agent}');
      expect(locals().get('compute_service_agent')).toBe(
        'serviceAccount:service-${data.google_project.this.number}@compute-system.iam.gserviceaccount.com',
      );
      expect(locals().get('use_kms_key')).toBe(
        '${var.create_kms_key || var.kms_key_name != null}',
      );
      // the backend itself gets no KMS permission: GCE encrypts through its service agent
      expect(
        grants()
          .filter(([, body]) => body.member === '${local.backend_member}')
          .map(([, body]) => String(body.role))
          .filter(r => r.includes('cloudkms')),
      ).toEqual([]);
      expect(named('output').get('kmsKeyName')?.value).toBe(
        '${local.use_kms_key ? local.kms_key_name : null}',
      );
    });
  });
});
