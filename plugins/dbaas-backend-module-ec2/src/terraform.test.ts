import { parse } from '@cdktf/hcl2json';
import fs from 'fs';
import path from 'path';
import { EC2_CONFIG_KEYS } from './config';
import { MANAGED_BY, TAG_MANAGED_BY } from './tags';

/**
 * deploy/terraform/aws, checked without terraform or AWS: every file parses (hcl2json, the HCL
 * parser compiled to wasm), every reference points at something declared, the outputs are
 * named after the app-config keys they fill, and the backend's IAM policy stays scoped by the
 * managed-by tag.
 */

// the wasm parser starts on first use
jest.setTimeout(60_000);

const MODULE_DIR = path.resolve(__dirname, '../../../deploy/terraform/aws');

// the tag the provider puts on everything it makes (tags.ts): the policy must key on it
const MANAGED_BY_KEY = TAG_MANAGED_BY;
const MANAGED_BY_VALUE = MANAGED_BY;
const EXTRA_OUTPUTS = ['backendPolicyArn', 'appConfig'];
const DESTRUCTIVE_EC2_ACTIONS = [
  'ec2:TerminateInstances',
  'ec2:DeleteVolume',
  'ec2:DeleteKeyPair',
];

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
    const allowed = [...EC2_CONFIG_KEYS, ...EXTRA_OUTPUTS] as string[];
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
      ]),
    );
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
  });
});
