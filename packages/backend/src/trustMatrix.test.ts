import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import {
  BackstageCredentials,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { AuthenticationError, NotAllowedError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import fs from 'fs';
import os from 'os';
import path from 'path';
import request from 'supertest';
import permissionPlugin from '@backstage/plugin-permission-backend';
import dbaasPlugin from '@dbaas/plugin-dbaas-backend';
import { dbaasPermissions } from '@dbaas/plugin-dbaas-common';
import permissionPolicyModule from './permissionPolicyModule';

/**
 * Who may do what, end to end: the DBaaS Manager behind the real permission backend with the
 * dev portal's policy, a catalog of users and groups, and every kind of caller — against a
 * real database on the local runtime.
 */
jest.setTimeout(180_000);

const MEMBERSHIPS: Record<string, string[]> = {
  'user:default/alice': ['group:default/team-a'],
  'user:default/dave': ['group:default/team-a'],
  'user:default/mallory': ['group:default/team-m'],
  'user:default/erin': [],
  'user:default/root': ['group:default/platform-admins'],
};

const SERVICE_PRINCIPALS: Record<string, BackstageCredentials> = {
  'svc-plain': mockCredentials.service('external:ops-bot'),
  'svc-catalog': mockCredentials.service('plugin:catalog'),
  'svc-granted': mockCredentials.service('external:platform-bot'),
  'svc-restricted': mockCredentials.service('external:restricted-bot', {
    permissionNames: ['dbaas.instance.read'],
  }),
};

const ALL_DBAAS_PERMISSIONS = dbaasPermissions.map(p => p.name);

function orgEntities(): Entity[] {
  const entity = (kind: string, ref: string, relations: string[] = []) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: { name: ref.split('/')[1], namespace: 'default' },
    spec: {},
    relations: relations.map(targetRef => ({ type: 'memberOf', targetRef })),
  });
  const groups = new Set(Object.values(MEMBERSHIPS).flat());
  return [
    ...Object.entries(MEMBERSHIPS).map(([user, memberOf]) =>
      entity('User', user, memberOf),
    ),
    ...[...groups].map(group => entity('Group', group)),
  ];
}

/** Mock user tokens as usual, plus service principals by name; no token is no principal. */
const httpAuthFactory = createServiceFactory({
  service: coreServices.httpAuth,
  deps: { plugin: coreServices.pluginMetadata },
  factory: ({ plugin }) => {
    const inner = mockServices.httpAuth({ pluginId: plugin.getId() });
    return {
      async credentials(req: any, options?: any) {
        const header: string | undefined = req.headers.authorization;
        const allowed: string[] = options?.allow ?? ['user', 'service', 'none'];
        if (!header) {
          if (allowed.includes('none')) return mockCredentials.none();
          throw new AuthenticationError('Missing credentials');
        }
        const token = header.replace(/^Bearer /, '');
        const service = SERVICE_PRINCIPALS[token];
        if (service) {
          if (!allowed.includes('service')) {
            throw new NotAllowedError('This endpoint does not allow service');
          }
          return service;
        }
        const credentials = await inner.credentials(req, options);
        // a plugin's call on a user's behalf: the mock drops the calling plugin (the actor),
        // which the permission backend needs to accept conditional requests
        const obo = token.startsWith('mock-service-token:')
          ? JSON.parse(token.slice('mock-service-token:'.length)).obo
          : undefined;
        if (obo) {
          return {
            ...credentials,
            principal: {
              ...(credentials.principal as object),
              actor: { type: 'service', subject: 'plugin:dbaas' },
            },
          };
        }
        return credentials;
      },
      issueUserCookie: inner.issueUserCookie.bind(inner),
    } as any;
  },
});

/** Ownership as a sign-in resolver would put it in the token: the user and their groups. */
const userInfoFactory = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials: BackstageCredentials) {
      const { userEntityRef } = credentials.principal as {
        userEntityRef: string;
      };
      return {
        userEntityRef,
        ownershipEntityRefs: [
          userEntityRef,
          ...(MEMBERSHIPS[userEntityRef] ?? []),
        ],
      };
    },
  }),
});

interface AuditRecord {
  eventId: string;
  severityLevel?: string;
  outcome: 'success' | 'fail';
  actor?: string;
}
const audits: AuditRecord[] = [];

/** Records every auditor event of the dbaas plugin with its outcome. */
const auditorFactory = createServiceFactory({
  service: coreServices.auditor,
  deps: { httpAuth: coreServices.httpAuth },
  factory: ({ httpAuth }) => ({
    async createEvent(options: any) {
      let actor: string | undefined;
      if (options.request?.headers.authorization) {
        const c = await httpAuth.credentials(options.request).catch(() => null);
        const p = c?.principal as any;
        actor = p?.userEntityRef ?? p?.subject;
      }
      const record = (outcome: 'success' | 'fail') => async () => {
        audits.push({
          eventId: options.eventId,
          severityLevel: options.severityLevel,
          outcome,
          actor,
        });
      };
      return { success: record('success'), fail: record('fail') };
    },
  }),
});

type Route = {
  name: string;
  call: (server: any, id: string, owner: string) => request.Test;
};

const ROUTES: Route[] = [
  { name: 'whoami', call: s => request(s).get('/api/dbaas/whoami') },
  { name: 'flavors', call: s => request(s).get('/api/dbaas/flavors') },
  { name: 'runtimes', call: s => request(s).get('/api/dbaas/runtimes') },
  { name: 'list', call: s => request(s).get('/api/dbaas/instances') },
  {
    name: 'get',
    call: (s, id) => request(s).get(`/api/dbaas/instances/${id}`),
  },
  {
    name: 'events',
    call: (s, id) => request(s).get(`/api/dbaas/instances/${id}/events`),
  },
  {
    name: 'logs',
    call: (s, id) => request(s).get(`/api/dbaas/instances/${id}/logs`),
  },
  {
    name: 'ca',
    call: (s, id) => request(s).get(`/api/dbaas/instances/${id}/ca`),
  },
  {
    name: 'credentials',
    call: (s, id) => request(s).get(`/api/dbaas/instances/${id}/credentials`),
  },
  {
    name: 'patch',
    call: (s, id) =>
      request(s)
        .patch(`/api/dbaas/instances/${id}`)
        .send({ deletionProtection: true }),
  },
  {
    name: 'deploy',
    call: (s, id) => request(s).post(`/api/dbaas/instances/${id}/deploy`),
  },
  // the target is protected: a delete that passes the checks answers 409
  {
    name: 'delete',
    call: (s, id) => request(s).delete(`/api/dbaas/instances/${id}`),
  },
  {
    name: 'create',
    call: (s, _id, owner) =>
      request(s)
        .post('/api/dbaas/instances?dryRun=true')
        .send({ name: 'matrix-new', owner, flavorId: 'postgresql-17-small' }),
  },
  // the target runs: a start that passes the checks answers 409
  {
    name: 'start',
    call: (s, id) => request(s).post(`/api/dbaas/instances/${id}/start`),
  },
  {
    name: 'backups',
    call: (s, id) => request(s).get(`/api/dbaas/instances/${id}/backups`),
  },
  {
    name: 'window',
    call: (s, id) =>
      request(s).get(`/api/dbaas/instances/${id}/recovery-window`),
  },
  {
    name: 'users',
    call: (s, id) => request(s).get(`/api/dbaas/instances/${id}/users`),
  },
  // past the permission check the unknown database answers 400: nothing is made
  {
    name: 'user-create',
    call: (s, id) =>
      request(s)
        .post(`/api/dbaas/instances/${id}/users`)
        .send({ name: 'matrix', role: 'readonly', database: 'nope' }),
  },
  { name: 'reseal', call: s => request(s).post('/api/dbaas/admin/reseal') },
  { name: 'leaks', call: s => request(s).get('/api/dbaas/admin/leaks') },
];

/** A cell: the HTTP status, or for `list` whether the target is in it. */
type Cell = number | 'sees' | 'hidden';

const READS = { whoami: 200, flavors: 200, runtimes: 200 };
const OWNER: Record<string, Cell> = {
  ...READS,
  list: 'sees',
  get: 200,
  events: 200,
  logs: 200,
  ca: 200,
  credentials: 200,
  patch: 200,
  deploy: 202,
  delete: 409,
  create: 200,
  start: 409,
  backups: 200,
  window: 200,
  users: 200,
  'user-create': 400,
  reseal: 403,
  leaks: 403,
};
const STRANGER: Record<string, Cell> = {
  ...READS,
  list: 'hidden',
  get: 404,
  events: 404,
  logs: 404,
  ca: 404,
  // what a caller may not read does not exist for them, whatever they ask of it
  credentials: 404,
  patch: 404,
  deploy: 404,
  delete: 404,
  create: 403,
  start: 404,
  backups: 404,
  window: 404,
  users: 404,
  'user-create': 404,
  reseal: 403,
  leaks: 403,
};
const READ_ONLY_SERVICE: Record<string, Cell> = {
  ...OWNER,
  start: 403,
  credentials: 403,
  patch: 403,
  deploy: 403,
  delete: 403,
  create: 403,
  'user-create': 403,
};

const PRINCIPALS: Array<{
  name: string;
  header?: string;
  target: 'team' | 'erin';
  expected: Record<string, Cell>;
}> = [
  {
    name: 'member of the owner group, creator',
    header: `Bearer ${mockCredentials.user.token('user:default/alice')}`,
    target: 'team',
    expected: OWNER,
  },
  {
    name: 'member of the owner group',
    header: `Bearer ${mockCredentials.user.token('user:default/dave')}`,
    target: 'team',
    expected: OWNER,
  },
  {
    name: 'owner user',
    header: `Bearer ${mockCredentials.user.token('user:default/erin')}`,
    target: 'erin',
    expected: OWNER,
  },
  {
    name: 'non-member',
    header: `Bearer ${mockCredentials.user.token('user:default/mallory')}`,
    target: 'team',
    expected: STRANGER,
  },
  {
    name: 'platform admin (create.any-owner, dbaas.admin)',
    header: `Bearer ${mockCredentials.user.token('user:default/root')}`,
    target: 'team',
    expected: { ...OWNER, reseal: 200, leaks: 200 },
  },
  {
    name: 'unauthenticated',
    target: 'team',
    expected: Object.fromEntries(ROUTES.map(r => [r.name, 401])),
  },
  {
    name: 'service without a serviceAccess rule',
    header: 'Bearer svc-plain',
    target: 'team',
    expected: READ_ONLY_SERVICE,
  },
  {
    name: 'the catalog plugin',
    header: 'Bearer svc-catalog',
    target: 'team',
    expected: READ_ONLY_SERVICE,
  },
  {
    name: 'service granted everything by serviceAccess',
    header: 'Bearer svc-granted',
    target: 'team',
    expected: { ...OWNER, reseal: 200, leaks: 200 },
  },
  {
    name: 'service granted everything, token restricted to read',
    header: 'Bearer svc-restricted',
    target: 'team',
    expected: READ_ONLY_SERVICE,
  },
];

/** The status, or for a successful list whether the target is in it. */
function cellOf(route: string, res: request.Response, id: string): Cell {
  if (route !== 'list' || res.status !== 200) return res.status;
  return res.body.items.some((i: { id: string }) => i.id === id)
    ? 'sees'
    : 'hidden';
}

describe('who may act for whom', () => {
  let server: any;
  let dataDir: string;
  const targets: Record<string, { id: string; owner: string }> = {};
  const asAlice = PRINCIPALS[0].header!;
  const asErin = PRINCIPALS[2].header!;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-trust-'));
    fs.chmodSync(dataDir, 0o711);
    ({ server } = await startTestBackend({
      features: [
        dbaasPlugin,
        permissionPlugin,
        permissionPolicyModule,
        permissionsServiceFactory,
        httpAuthFactory,
        userInfoFactory,
        auditorFactory,
        catalogServiceMock.factory({ entities: orgEntities() }),
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            dbaas: {
              runtimes: { local: { dataDir } },
              encryption: {
                keys: [{ id: 'k1', secret: 'trust matrix key, 16+ chars' }],
              },
              serviceAccess: [
                {
                  subject: 'external:platform-bot',
                  permissions: ALL_DBAAS_PERMISSIONS,
                },
                {
                  subject: 'external:restricted-*',
                  permissions: ALL_DBAAS_PERMISSIONS,
                },
              ],
              flavors: [
                {
                  id: 'postgresql-17-small',
                  engine: 'postgresql',
                  version: '17',
                  image: 'dbaas/postgresql:17',
                  cpu: 1,
                  memoryMiB: 256,
                  storageGiB: { min: 1, max: 5, default: 1 },
                },
              ],
            },
          },
        }),
      ],
    }));

    for (const [key, header, owner] of [
      ['team', asAlice, 'group:default/team-a'],
      ['erin', asErin, 'user:default/erin'],
    ] as const) {
      const created = await request(server)
        .post('/api/dbaas/instances')
        .set('Authorization', header)
        .send({
          name: `matrix-${key}`,
          owner,
          flavorId: 'postgresql-17-small',
          deletionProtection: true,
        });
      if (created.status !== 202) {
        throw new Error(
          `creating matrix-${key}: ${created.status} ${JSON.stringify(
            created.body,
          )}`,
        );
      }
      targets[key] = { id: created.body.id, owner };
    }
    for (const [key, header] of [
      ['team', asAlice],
      ['erin', asErin],
    ] as const) {
      let last: request.Response | undefined;
      for (let i = 0; i < 300 && last?.body.status !== 'running'; i++) {
        await new Promise(r => setTimeout(r, 200));
        last = await request(server)
          .get(`/api/dbaas/instances/${targets[key].id}`)
          .set('Authorization', header);
      }
      if (last?.body.status !== 'running') {
        throw new Error(
          `matrix-${key} did not start: ${last?.status} ${JSON.stringify(
            last?.body,
          )}`,
        );
      }
    }
  });

  afterAll(async () => {
    for (const [key, header] of [
      ['team', asAlice],
      ['erin', asErin],
    ] as const) {
      const url = `/api/dbaas/instances/${targets[key]?.id}`;
      if (!targets[key]) continue;
      await request(server)
        .patch(url)
        .set('Authorization', header)
        .send({ deletionProtection: false });
      await request(server).delete(url).set('Authorization', header);
      for (let i = 0; i < 150; i++) {
        const res = await request(server).get(url).set('Authorization', header);
        if (res.status === 404) break;
        await new Promise(r => setTimeout(r, 200));
      }
    }
    const left = fs.readdirSync(dataDir).filter(f => !f.startsWith('.'));
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (left.length) {
      throw new Error(`data directories left behind: ${left.join(', ')}`);
    }
  });

  it('answers every principal on every route as the security model says, with no unexpected allow', async () => {
    const mismatches: string[] = [];
    let unexpectedAllows = 0;
    for (const principal of PRINCIPALS) {
      const { id, owner } = targets[principal.target];
      for (const route of ROUTES) {
        const req = route.call(server, id, owner);
        if (principal.header) req.set('Authorization', principal.header);
        const res = await req;
        const actual = cellOf(route.name, res, id);
        const expected = principal.expected[route.name];
        if (actual !== expected) {
          mismatches.push(
            `${principal.name} × ${
              route.name
            }: expected ${expected}, got ${actual} ${JSON.stringify(
              res.body?.error?.message ?? '',
            )}`,
          );
          const allowed =
            actual === 'sees' || (typeof actual === 'number' && actual < 300);
          const shouldAllow =
            expected === 'sees' ||
            (typeof expected === 'number' && expected < 300);
          if (allowed && !shouldAllow) unexpectedAllows++;
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(unexpectedAllows).toBe(0);
  });

  it('audits credential reads, patches, deploys and deletes with who did them and the outcome', () => {
    const find = (eventId: string, actor: string, outcome: string) =>
      audits.find(
        a =>
          a.eventId === eventId && a.actor === actor && a.outcome === outcome,
      );
    expect(
      find('instance-credentials-read', 'user:default/alice', 'success'),
    ).toMatchObject({ severityLevel: 'high' });
    expect(
      find('instance-credentials-read', 'user:default/mallory', 'fail'),
    ).toMatchObject({ severityLevel: 'high' });
    expect(
      find('instance-update', 'user:default/alice', 'success'),
    ).toBeTruthy();
    expect(
      find('instance-update', 'user:default/mallory', 'fail'),
    ).toBeTruthy();
    expect(
      find('instance-deploy', 'user:default/dave', 'success'),
    ).toBeTruthy();
    expect(
      find('instance-delete', 'user:default/mallory', 'fail'),
    ).toBeTruthy();
    expect(find('instance-delete', 'external:ops-bot', 'fail')).toBeTruthy();
    expect(
      find('secrets-reseal', 'external:platform-bot', 'success'),
    ).toBeTruthy();
  });
});
