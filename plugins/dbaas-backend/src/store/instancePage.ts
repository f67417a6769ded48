import { PermissionCriteria } from '@backstage/plugin-permission-common';
import { Engine, LifecycleStatus } from '@dbaas/plugin-dbaas-common';
import { Knex } from 'knex';
import type { InstanceQuery } from '../permissions/rules';
import { fromRow } from './instanceRows';
import type { StoredInstance } from './InstanceStore';

const INSTANCES = 'dbaas_instances';
const BACKUPS = 'dbaas_backups';
const LOGS = 'dbaas_archived_logs';

/** Every column a list shows: the sealed secrets stay unread. */
const LIST_COLUMNS = [
  'id',
  'name',
  'owner',
  'flavor_id',
  'engine',
  'version',
  'storage_gib',
  'runtime',
  'status',
  'health',
  'phase',
  'endpoint',
  'deletion_protection',
  'fault',
  'component',
  'created_by',
  'created_at',
  'updated_at',
  'ready_at',
  'deleted_at',
  'host_ref',
  'backup_policy',
  'operation',
  'rotation_days',
  'rotation_requested_at',
  'storage_auto_grow',
  'storage_max_gib',
  'storage_used_bytes',
  'storage_measured_at',
  'storage_state',
  'storage_read_only',
  'parameters',
  'image',
  'maintenance_window',
  'scheduled_operation',
  'from_pool',
].map(column => `${INSTANCES}.${column}`);

/** Every status but `deleted`: what a list shows unless asked. */
export const LIVE_STATUSES: LifecycleStatus[] = [
  'provisioning',
  'running',
  'recovering',
  'stopped',
  'deleting',
  'failed',
];

export interface InstancePageQuery {
  owners?: string[];
  statuses: LifecycleStatus[];
  flavorId?: string;
  engines?: Engine[];
  name?: string;
  /** A case-insensitive part of the name, the owner or the flavor. */
  search?: string;
  /**
   * Only instances changed at or after this time, oldest change first, deleted ones whatever
   * their backups: a copy kept in step learns of each change and each deletion.
   */
  changedSince?: string;
  /** What the caller may read, as the permission policy's conditions; none: everything. */
  access?: PermissionCriteria<InstanceQuery>;
  limit: number;
  offset: number;
}

/**
 * One page of instances, newest first, and how many match: filters, search, permission
 * conditions and paging all in SQL (indexes on owner, status, engine, flavor, name and the
 * creation time), so a page costs the same at 10 instances and at 10,000. A deleted instance
 * matches only while it has backups or archived logs to restore from.
 */
export async function pageOfInstances(
  knex: Knex,
  query: InstancePageQuery,
): Promise<{ items: StoredInstance[]; totalCount: number }> {
  const matching = knex(INSTANCES).where(q => {
    if (query.owners) q.whereIn('owner', query.owners);
    q.whereIn('status', query.statuses);
    if (query.flavorId) q.where('flavor_id', query.flavorId);
    if (query.engines) q.whereIn('engine', query.engines);
    if (query.name) q.where('name', query.name);
    if (query.search) whereSearch(q, query.search);
    if (query.access) q.where(c => whereAllowed(c, query.access!));
    if (query.changedSince) {
      q.where('updated_at', '>=', new Date(query.changedSince).toISOString());
    } else if (query.statuses.includes('deleted')) {
      q.where(d =>
        d
          .whereNot('status', 'deleted')
          .orWhereExists(withRows(knex, BACKUPS))
          .orWhereExists(withRows(knex, LOGS)),
      );
    }
  });
  const [rows, [{ count }]] = await Promise.all([
    matching
      .clone()
      .select(LIST_COLUMNS)
      .orderBy(
        query.changedSince
          ? [
              { column: 'updated_at', order: 'asc' },
              { column: 'id', order: 'asc' },
            ]
          : [
              { column: 'created_at', order: 'desc' },
              { column: 'id', order: 'desc' },
            ],
      )
      .limit(query.limit)
      .offset(query.offset),
    matching.clone().count({ count: '*' }),
  ]);
  return {
    items: rows.map(row => fromRow({ ...row, secrets: '' })),
    totalCount: Number(count),
  };
}

function withRows(knex: Knex, table: string) {
  return knex(table)
    .select(knex.raw('1'))
    .whereRaw('??.instance_id = ??.id', [table, INSTANCES]);
}

function whereSearch(q: Knex.QueryBuilder, search: string) {
  const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, c => `\\${c}`)}%`;
  q.where(s => {
    for (const column of ['name', 'owner', 'flavor_id']) {
      s.orWhereRaw(`lower(??) like ? escape '\\'`, [column, pattern]);
    }
  });
}

/** The policy's conditions (IS_INSTANCE_OWNER's `owners`, in allOf/anyOf/not) as a WHERE. */
function whereAllowed(
  q: Knex.QueryBuilder,
  criteria: PermissionCriteria<InstanceQuery>,
): void {
  if ('allOf' in criteria) {
    for (const part of criteria.allOf) q.where(c => whereAllowed(c, part));
  } else if ('anyOf' in criteria) {
    for (const part of criteria.anyOf) q.orWhere(c => whereAllowed(c, part));
  } else if ('not' in criteria) {
    q.whereNot(c => whereAllowed(c, criteria.not));
  } else if (criteria.owners) {
    if (criteria.owners.length) q.whereIn('owner', criteria.owners);
    else q.whereRaw('1 = 0');
  } else {
    q.whereRaw('1 = 1');
  }
}
