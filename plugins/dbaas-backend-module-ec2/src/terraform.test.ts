import { parse } from '@cdktf/hcl2json';
import fs from 'fs';
import path from 'path';
import { EC2_CONFIG_KEYS } from './config';
import { MANAGED_BY, TAG_MANAGED_BY } from './tags';

/**
 * deploy/terraform/aws, checked without terraform or AWS: every file parses (hcl2json, the HCL
 * parser compiled to wasm), every reference points at something declared, the outputs are
 * named after the app-config keys they fill, the backend's IAM policy stays scoped by the
 * managed-by tag, and the s3 backup store's bucket stays private, encrypted, versioned and
 * housekept without expiring backups, with the backend's access limited to the prefix.
 */

// the wasm parser starts on first use
jest.setTimeout(60_000);

const MODULE_DIR = path.resolve(__dirname, '../../../deploy/terraform/aws');
// the s3 backup store's settings (dbaas.backups.store), which the backup_<key> outputs fill
const S3_STORE_CONFIG = path.resolve(
  __dirname,
  '../../dbaas-backend-module-s3/config.d.ts',
);

// the tag the provider puts on everything it makes (tags.ts): the policy must key on it
const MANAGED_BY_KEY = TAG_MANAGED_BY;
const MANAGED_BY_VALUE = MANAGED_BY;
const EXTRA_OUTPUTS = ['backendPolicyArn', 'appConfig'];
const BACKUP_OUTPUTS = ['backup_bucket', 'backup_prefix', 'backup_region'];
// exactly what the s3 store needs (plugins/dbaas-backend-module-s3/README.md)
const BACKUP_OBJECT_ACTIONS = [
  's3:PutObject',
  's3:GetObject',
  's3:DeleteObject',
  's3:AbortMultipartUpload',
];
const BACKUP_KMS_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];
const BACKUP_BUCKET = '${aws_s3_bucket.backup.id}';
const BACKUP_BUCKET_ARN = '${aws_s3_bucket.backup.arn}';
const DESTRUCTIVE_EC2_ACTIONS = [
  'ec2:TerminateInstances',
  'ec2:DeleteVolume',
  'ec2:DeleteKeyPair',
  // a stopped database's VM is stopped (day-2 stop/start)
  'ec2:StopInstances',
  'ec2:StartInstances',
  // a database's data volume grows (storage resize)
  'ec2:ModifyVolume',
  // a database's stopped VM gets another instance type (flavor change)
  'ec2:ModifyInstanceAttribute',
];
// every EC2 call the runtime makes (its non-test sources), which the policy must allow
const EC2_CALLS = fs
  .readdirSync(__dirname)
  .filter(f => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .flatMap(f => {
    const source = fs.readFileSync(path.join(__dirname, f), 'utf8');
    const imports = /import\s*{([^}]*)}\s*from\s*'@aws-sdk\/client-ec2'/.exec(
      source,
    );
    return [...(imports?.[1] ?? '').matchAll(/\b(\w+)Command\b/g)].map(
      m => `ec2:${m[1]}`,
    );
  });

type Json = Record<string, any>;

interface Statement {
  where: string;
  sid?: string;
  actions: unknown;
  resources: unknown;
  conditions: { test: string; variable: string; values: unknown }[];
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

/** `{ name: [body] }` sections (variable, output, module) from every file. */
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

/** Every string value (expressions come through as `${...}` strings; comments are gone). */
function strings(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) node.forEach(n => strings(n, out));
  else if (node && typeof node === 'object') {
    Object.values(node).forEach(n => strings(n, out));
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

/** `${local.x}` replaced by the local's value where that value is a plain string. */
function resolveLocals(text: string): string {
  const values = locals();
  return text.replace(/\$\{local\.([A-Za-z_][\w-]*)\}/g, (whole, name) => {
    const value = values.get(name);
    return typeof value === 'string' && !value.includes('${') ? value : whole;
  });
}

/** Statements of every aws_iam_policy_document, the dynamic ones' content included. */
function policyStatements(document: string): Statement[] {
  const body = labelled('data').get(`aws_iam_policy_document.${document}`);
  if (!body) return [];
  const statement = (s: Json, where: string): Statement => ({
    where,
    sid: s.sid,
    actions: s.actions,
    resources: s.resources,
    conditions: ((s.condition ?? []) as Json[]).map(c => ({
      test: c.test,
      variable: resolveLocals(String(c.variable)),
      values: Array.isArray(c.values)
        ? c.values.map((v: unknown) => resolveLocals(String(v)))
        : c.values,
    })),
  });
  return [
    ...((body.statement ?? []) as Json[]).map((s, i) =>
      statement(s, `${document}.statement[${i}]`),
    ),
    ...((body.dynamic?.statement ?? []) as Json[]).flatMap((d, i) =>
      ((d.content ?? []) as Json[]).map(s =>
        statement(s, `${document}.dynamic.statement[${i}]`),
      ),
    ),
  ];
}

function label(s: Statement): string {
  return s.sid ? `${s.where} (${s.sid})` : s.where;
}

function actionsOf(s: Statement): string[] {
  return Array.isArray(s.actions) ? (s.actions as string[]) : [];
}

function hasTagCondition(s: Statement, kind: 'ResourceTag' | 'RequestTag') {
  const variables =
    kind === 'ResourceTag'
      ? [
          `aws:ResourceTag/${MANAGED_BY_KEY}`,
          `ec2:ResourceTag/${MANAGED_BY_KEY}`,
        ]
      : [`aws:RequestTag/${MANAGED_BY_KEY}`];
  return s.conditions.some(
    c =>
      c.test === 'StringEquals' &&
      variables.includes(c.variable) &&
      Array.isArray(c.values) &&
      c.values.length === 1 &&
      c.values[0] === MANAGED_BY_VALUE,
  );
}

describe('deploy/terraform/aws', () => {
  it('has a file per concern, and every .tf file parses', () => {
    expect(tfFiles).toEqual(
      expect.arrayContaining([
        'versions.tf',
        'variables.tf',
        'network.tf',
        'security_group.tf',
        'iam.tf',
        'kms.tf',
        'backup_bucket.tf',
        'outputs.tf',
      ]),
    );
    expect(parseErrors).toEqual([]);
    expect(Object.keys(parsed).sort()).toEqual(tfFiles);
  });

  it('declares every var., local., resource, data source and module it references', () => {
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
        references(/(?<![\w.])(aws_[a-z0-9_]+\.[A-Za-z_][\w-]*)/g),
        labelled('resource'),
      ),
    ).toEqual([]);
    expect(
      undeclared(
        references(/\bdata\.([a-z][a-z0-9_]*\.[A-Za-z_][\w-]*)/g),
        labelled('data'),
      ),
    ).toEqual([]);
    expect(
      undeclared(references(/\bmodule\.([A-Za-z_][\w-]*)/g), named('module')),
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

  it('names its outputs after the app-config keys they fill', () => {
    const outputs = [...named('output').keys()];
    const allowed = [
      ...EC2_CONFIG_KEYS,
      ...EXTRA_OUTPUTS,
      ...BACKUP_OUTPUTS,
    ] as string[];
    expect(outputs.filter(o => !allowed.includes(o))).toEqual([]);
    expect(outputs).toEqual(
      expect.arrayContaining([
        'region',
        'subnetIds',
        'securityGroupIds',
        'instanceProfileName',
        'amiSsmParameter',
        'kmsKeyId',
        ...EXTRA_OUTPUTS,
        ...BACKUP_OUTPUTS,
      ]),
    );
  });

  it('names the backup outputs backup_<key> after the keys of dbaas.backups.store', () => {
    const source = fs.readFileSync(S3_STORE_CONFIG, 'utf8');
    const store = source.slice(source.indexOf('store?: {'));
    const storeKeys = [...store.matchAll(/^\s+(\w+)\??:/gm)].map(m => m[1]);
    expect(storeKeys).toEqual(
      expect.arrayContaining(['bucket', 'prefix', 'region']),
    );
    for (const output of BACKUP_OUTPUTS) {
      expect(storeKeys).toContain(output.replace(/^backup_/, ''));
    }
    const outputs = named('output');
    expect(outputs.get('backup_bucket')?.value).toBe(BACKUP_BUCKET);
    expect(outputs.get('backup_prefix')?.value).toBe('${local.backup_prefix}');
  });

  describe('the backup bucket', () => {
    const resource = (type: string) =>
      labelled('resource').get(`${type}.backup`) as Json;

    it('is one bucket, named by backup_bucket_name or derived from name', () => {
      expect(resource('aws_s3_bucket').bucket).toBe(
        '${local.backup_bucket_name}',
      );
      const name = String(locals().get('backup_bucket_name'));
      expect(name).toContain('var.backup_bucket_name');
      expect(String(locals().get('backup_bucket_name_base'))).toContain(
        'var.name',
      );
      const settings = [
        'aws_s3_bucket_versioning',
        'aws_s3_bucket_server_side_encryption_configuration',
        'aws_s3_bucket_public_access_block',
        'aws_s3_bucket_ownership_controls',
        'aws_s3_bucket_policy',
        'aws_s3_bucket_lifecycle_configuration',
      ];
      expect(
        settings.filter(t => resource(t)?.bucket !== BACKUP_BUCKET),
      ).toEqual([]);
    });

    it('is versioned, encrypted, private and owner-enforced', () => {
      expect(
        resource('aws_s3_bucket_versioning').versioning_configuration[0].status,
      ).toBe('Enabled');

      const sse = resource('aws_s3_bucket_server_side_encryption_configuration')
        .rule[0].apply_server_side_encryption_by_default[0];
      expect(sse.sse_algorithm).toMatch(/"aws:kms"/);
      expect(sse.sse_algorithm).toMatch(/"AES256"/);
      expect(sse.kms_master_key_id).toBe('${var.backup_kms_key_arn}');
      expect(named('variable').get('backup_kms_key_arn')?.default).toBeNull();

      const block = resource('aws_s3_bucket_public_access_block');
      for (const setting of [
        'block_public_acls',
        'block_public_policy',
        'ignore_public_acls',
        'restrict_public_buckets',
      ]) {
        expect([setting, block[setting]]).toEqual([setting, true]);
      }

      expect(
        resource('aws_s3_bucket_ownership_controls').rule[0].object_ownership,
      ).toBe('BucketOwnerEnforced');
    });

    it('denies every request without TLS', () => {
      expect(resource('aws_s3_bucket_policy').policy).toBe(
        '${data.aws_iam_policy_document.backup_bucket.json}',
      );
      const deny = policyStatements('backup_bucket').filter(s =>
        s.conditions.some(
          c =>
            c.test === 'Bool' &&
            c.variable === 'aws:SecureTransport' &&
            JSON.stringify(c.values) === '["false"]',
        ),
      );
      expect(deny).toHaveLength(1);
      const body = labelled('data').get(
        'aws_iam_policy_document.backup_bucket',
      )!.statement[0];
      expect(body.effect).toBe('Deny');
      expect(body.actions).toEqual(['s3:*']);
      expect(body.principals).toEqual([{ type: '*', identifiers: ['*'] }]);
      expect(body.resources).toEqual([
        BACKUP_BUCKET_ARN,
        `${BACKUP_BUCKET_ARN}/*`,
      ]);
    });

    it('aborts multipart uploads after a day, expires noncurrent versions, never current objects', () => {
      const rules = resource('aws_s3_bucket_lifecycle_configuration')
        .rule as Json[];
      expect(rules.length).toBeGreaterThan(0);
      expect(rules.every(r => r.status === 'Enabled')).toBe(true);
      // nothing deletes or moves current objects: the Manager's retention does
      expect(
        rules.filter(r => r.expiration || r.transition).map(r => r.id),
      ).toEqual([]);
      // the rules apply to the whole bucket
      expect(rules.every(r => JSON.stringify(r.filter) === '[{}]')).toBe(true);

      expect(
        rules.flatMap(r =>
          (r.abort_incomplete_multipart_upload ?? []).map(
            (a: Json) => a.days_after_initiation,
          ),
        ),
      ).toEqual([1]);
      expect(
        rules.flatMap(r =>
          (r.noncurrent_version_expiration ?? []).map(
            (e: Json) => e.noncurrent_days,
          ),
        ),
      ).toEqual(['${var.backup_noncurrent_version_expiration_days}']);
      expect(
        named('variable').get('backup_noncurrent_version_expiration_days')
          ?.default,
      ).toBe(30);
    });
  });

  describe("the backend's IAM policy", () => {
    const statements = () => policyStatements('backend');

    it('is one aws_iam_policy_document of literal actions', () => {
      expect(statements().length).toBeGreaterThan(0);
      const nonLiteral = statements()
        .filter(
          s =>
            !Array.isArray(s.actions) ||
            !(s.actions as unknown[]).every(
              a => typeof a === 'string' && !a.includes('${'),
            ),
        )
        .map(label);
      expect(nonLiteral).toEqual([]);
    });

    it('grants no wildcard action', () => {
      const wildcards = statements().flatMap(s =>
        actionsOf(s)
          .filter(a => a === '*' || a.endsWith(':*'))
          .map(a => `${label(s)}: ${a}`),
      );
      expect(wildcards).toEqual([]);
    });

    it('allows the destructive EC2 calls only on resources tagged managed-by', () => {
      const granted = statements().filter(s =>
        actionsOf(s).some(a => DESTRUCTIVE_EC2_ACTIONS.includes(a)),
      );
      expect(granted.flatMap(actionsOf)).toEqual(
        expect.arrayContaining(DESTRUCTIVE_EC2_ACTIONS),
      );
      expect(
        granted.filter(s => !hasTagCondition(s, 'ResourceTag')).map(label),
      ).toEqual([]);
    });

    it('allows every EC2 call the runtime makes, storage resize and flavor change included', () => {
      expect(EC2_CALLS).toEqual(
        expect.arrayContaining([
          'ec2:RunInstances',
          'ec2:ModifyVolume',
          'ec2:DescribeVolumesModifications',
          'ec2:ModifyInstanceAttribute',
        ]),
      );
      const granted = new Set(statements().flatMap(actionsOf));
      expect([...new Set(EC2_CALLS)].filter(a => !granted.has(a))).toEqual([]);
      const resize = statements().filter(s =>
        actionsOf(s).includes('ec2:ModifyVolume'),
      );
      expect(resize.map(s => s.resources)).toEqual([
        ['${local.ec2_arn_prefix}:volume/*'],
      ]);
      const retype = statements().filter(s =>
        actionsOf(s).includes('ec2:ModifyInstanceAttribute'),
      );
      expect(retype.map(s => [actionsOf(s), s.resources])).toEqual([
        [
          ['ec2:ModifyInstanceAttribute'],
          ['${local.ec2_arn_prefix}:instance/*'],
        ],
      ]);
    });

    it('allows creation only with the managed-by tag in the request', () => {
      const creating = statements().filter(s =>
        actionsOf(s).some(a =>
          ['ec2:ImportKeyPair', 'ec2:CreateTags'].includes(a),
        ),
      );
      expect(creating.length).toBeGreaterThan(0);
      expect(
        creating.filter(s => !hasTagCondition(s, 'RequestTag')).map(label),
      ).toEqual([]);

      // CreateTags only as part of a creating call
      const tagging = creating.filter(s =>
        actionsOf(s).includes('ec2:CreateTags'),
      );
      expect(tagging.length).toBeGreaterThan(0);
      expect(
        tagging
          .filter(
            s => !s.conditions.some(c => c.variable === 'ec2:CreateAction'),
          )
          .map(label),
      ).toEqual([]);

      // the instance and volumes RunInstances creates carry the tag in the request
      const launching = statements().filter(s =>
        actionsOf(s).includes('ec2:RunInstances'),
      );
      for (const created of ['instance/*', 'volume/*']) {
        expect(
          launching.filter(
            s =>
              strings(s.resources).some(r => r.endsWith(`:${created}`)) &&
              !hasTagCondition(s, 'RequestTag'),
          ),
        ).toEqual([]);
        expect(
          launching.some(s =>
            strings(s.resources).some(r => r.endsWith(`:${created}`)),
          ),
        ).toBe(true);
      }
    });

    it('gives the s3 backup store exactly its actions, on the bucket and under the prefix', () => {
      const s3 = statements().filter(s =>
        actionsOf(s).some(a => a.startsWith('s3:')),
      );
      expect(s3.flatMap(actionsOf).sort()).toEqual(
        ['s3:ListBucket', ...BACKUP_OBJECT_ACTIONS].sort(),
      );
      const listing = s3.filter(s => actionsOf(s).includes('s3:ListBucket'));
      expect(listing.map(s => [actionsOf(s), s.resources])).toEqual([
        [['s3:ListBucket'], [BACKUP_BUCKET_ARN]],
      ]);
      const objects = s3.filter(s => !actionsOf(s).includes('s3:ListBucket'));
      expect(objects.map(s => s.resources)).toEqual([
        [`${BACKUP_BUCKET_ARN}/\${local.backup_prefix}/*`],
      ]);
      expect(named('variable').get('backup_prefix')?.default).toBe('dbaas');
      expect(String(locals().get('backup_prefix'))).toContain(
        'var.backup_prefix',
      );
    });

    it('uses the backup KMS key only through S3, and only when one is set', () => {
      const body = labelled('data').get('aws_iam_policy_document.backend')!;
      const gated = ((body.dynamic?.statement ?? []) as Json[]).filter(d =>
        strings(d.content).some(v => v === 'kms:GenerateDataKey'),
      );
      expect(gated).toHaveLength(1);
      expect(gated[0].for_each).toMatch(/local\.use_backup_kms_key/);
      expect(gated[0].for_each).toMatch(/var\.backup_kms_key_arn/);
      expect(String(locals().get('use_backup_kms_key'))).toBe(
        '${var.backup_kms_key_arn != null}',
      );

      const kms = statements().filter(s =>
        actionsOf(s).some(a => BACKUP_KMS_ACTIONS.includes(a)),
      );
      const viaS3 = kms.filter(s =>
        s.conditions.some(
          c =>
            c.variable === 'kms:ViaService' &&
            JSON.stringify(c.values) === '["${local.s3_via_service}"]',
        ),
      );
      expect(locals().get('s3_via_service')).toBe(
        's3.${local.region}.amazonaws.com',
      );
      expect(viaS3.flatMap(actionsOf).sort()).toEqual(
        [...BACKUP_KMS_ACTIONS].sort(),
      );
    });
  });
});
