import { Database, DatabaseUser } from '@dbaas/plugin-dbaas-common';
import { Knex } from 'knex';
import { isUniqueViolation } from './raceErrors';

const OBJECTS = 'dbaas_database_objects';

export type ObjectKind = 'user' | 'database';
export type ObjectStatus = DatabaseUser['status'];

/** A user or database made inside an instance's server, as stored. */
export interface StoredObject {
  instanceId: string;
  kind: ObjectKind;
  name: string;
  role: DatabaseUser['role'] | null;
  database: string | null;
  /** A user's password, sealed with the SecretBox; never leaves the backend. */
  secret: string | null;
  status: ObjectStatus;
  createdBy: string;
  createdAt: string;
}

/** A name taken already (a unique violation on insert). */
export class ObjectExistsError extends Error {}

/** The users and databases the Manager made inside instances. */
export class DatabaseObjects {
  constructor(private readonly knex: Knex) {}

  async add(object: Omit<StoredObject, 'createdAt'>): Promise<StoredObject> {
    const stored = { ...object, createdAt: new Date().toISOString() };
    try {
      await this.knex(OBJECTS).insert({
        instance_id: stored.instanceId,
        kind: stored.kind,
        name: stored.name,
        role: stored.role,
        database: stored.database,
        secret: stored.secret,
        status: stored.status,
        created_by: stored.createdBy,
        created_at: stored.createdAt,
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ObjectExistsError(stored.name);
      throw error;
    }
    return stored;
  }

  async get(
    instanceId: string,
    kind: ObjectKind,
    name: string,
  ): Promise<StoredObject | undefined> {
    const row = await this.knex(OBJECTS)
      .where({ instance_id: instanceId, kind, name })
      .first();
    return row ? fromRow(row) : undefined;
  }

  async list(instanceId: string, kind: ObjectKind): Promise<StoredObject[]> {
    const rows = await this.knex(OBJECTS)
      .where({ instance_id: instanceId, kind })
      .orderBy('created_at', 'asc')
      .orderBy('name', 'asc');
    return rows.map(fromRow);
  }

  async setStatus(
    instanceId: string,
    kind: ObjectKind,
    name: string,
    status: ObjectStatus,
  ) {
    await this.knex(OBJECTS)
      .where({ instance_id: instanceId, kind, name })
      .update({ status });
  }

  async remove(instanceId: string, kind: ObjectKind, name: string) {
    await this.knex(OBJECTS)
      .where({ instance_id: instanceId, kind, name })
      .delete();
  }

  /** Everything made inside an instance, once the instance is gone. */
  async removeAll(instanceId: string) {
    await this.knex(OBJECTS).where({ instance_id: instanceId }).delete();
  }
}

function fromRow(r: any): StoredObject {
  return {
    instanceId: r.instance_id,
    kind: r.kind,
    name: r.name,
    role: r.role ?? null,
    database: r.database ?? null,
    secret: r.secret ?? null,
    status: r.status,
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
}

export function toPublicUser(o: StoredObject): DatabaseUser {
  return {
    instanceId: o.instanceId,
    name: o.name,
    role: o.role ?? 'readonly',
    database: o.database ?? '',
    status: o.status,
    createdBy: o.createdBy,
    createdAt: o.createdAt,
  };
}

export function toPublicDatabase(o: StoredObject): Database {
  return {
    instanceId: o.instanceId,
    name: o.name,
    application: false,
    status: o.status,
    createdBy: o.createdBy,
    createdAt: o.createdAt,
  };
}
