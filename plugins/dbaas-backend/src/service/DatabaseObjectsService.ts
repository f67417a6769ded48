import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  CreateDatabaseRequest,
  CreateDatabaseUserRequest,
  Credentials,
  Database,
  DatabaseUser,
  dbaasInstanceCredentialsReadPermission,
  dbaasInstanceReadPermission,
  dbaasInstanceUpdatePermission,
  PendingOperationType,
} from '@dbaas/plugin-dbaas-common';
import { generatePassword, SecretBox } from '../crypto/SecretBox';
import { RuntimeRegistry } from '../runtimes';
import {
  DatabaseObjects,
  ObjectExistsError,
  ObjectKind,
  toPublicDatabase,
  toPublicUser,
} from '../store/DatabaseObjects';
import {
  InstanceStore,
  StaleInstanceError,
  StoredInstance,
} from '../store/InstanceStore';
import { InstanceNotifier } from '../lifecycle/InstanceNotifier';
import { InstanceGate } from './access/instanceGate';
import { actorOf } from './access/principal';
import { connectionCredentials, ConnectionInfo } from './connectionInfo';

/** Accounts and databases every server has, or that the Manager and the images use. */
const RESERVED_USERS = ['postgres', 'root', 'mysql', 'healthcheck', 'public'];
const RESERVED_DATABASES = [
  'postgres',
  'template0',
  'template1',
  'mysql',
  'information_schema',
  'performance_schema',
  'sys',
];

/**
 * Users and databases inside an instance's server. Listing needs dbaas.instance.read, making
 * and removing dbaas.instance.update, a user's password dbaas.instance.credentials.read. Each
 * change is a durable operation the instance's worker carries out (one at a time).
 */
export class DatabaseObjectsService {
  constructor(
    private readonly deps: {
      gate: InstanceGate;
      store: InstanceStore;
      objects: DatabaseObjects;
      secretBox: SecretBox;
      runtimes: RuntimeRegistry;
      connection: ConnectionInfo;
      notifier: InstanceNotifier;
      kick: (id: string) => void;
    },
  ) {}

  async listUsers(
    id: string,
    credentials: BackstageCredentials,
  ): Promise<DatabaseUser[]> {
    await this.deps.gate.load(id, credentials, dbaasInstanceReadPermission);
    return (await this.deps.objects.list(id, 'user')).map(toPublicUser);
  }

  async createUser(
    id: string,
    request: CreateDatabaseUserRequest,
    credentials: BackstageCredentials,
  ): Promise<DatabaseUser> {
    const instance = await this.changeable(id, credentials);
    const appUser = instance.endpoint?.user;
    if (RESERVED_USERS.includes(request.name) || request.name === appUser) {
      throw new InputError(
        `name: '${
          request.name
        }' is taken by the server or the application user; reserved: ${[
          ...RESERVED_USERS,
          appUser,
        ].join(', ')}`,
      );
    }
    const databases = await this.databaseNames(instance);
    const database = request.database ?? databases[0];
    if (!databases.includes(database)) {
      throw new InputError(
        `database: '${database}' is not a database of ${
          instance.name
        }; its databases: ${databases.join(', ')}`,
      );
    }
    const user = await this.add(instance, 'user', request.name, credentials, {
      role: request.role,
      database,
      secret: this.deps.secretBox.seal({ password: generatePassword() }),
    });
    return toPublicUser(user);
  }

  async deleteUser(
    id: string,
    name: string,
    credentials: BackstageCredentials,
  ): Promise<DatabaseUser> {
    const instance = await this.changeable(id, credentials);
    return toPublicUser(await this.remove(instance, 'user', name, credentials));
  }

  async userCredentials(
    id: string,
    name: string,
    credentials: BackstageCredentials,
  ): Promise<Credentials> {
    const instance = await this.deps.gate.load(
      id,
      credentials,
      dbaasInstanceCredentialsReadPermission,
    );
    const user = await this.deps.objects.get(id, 'user', name);
    if (!user) throw new NotFoundError(`${instance.name} has no user ${name}`);
    if (user.status !== 'ready' || !instance.endpoint) {
      throw new ConflictError(
        `User ${name} is ${user.status}; its credentials exist once it is ready`,
      );
    }
    const { password } = this.deps.secretBox.open<{ password: string }>(
      user.secret!,
    );
    return connectionCredentials(instance, instance.endpoint, {
      user: name,
      password,
      database: user.database ?? undefined,
      caPem: this.deps.connection.openSecrets(instance).tls?.caPem,
    });
  }

  async listDatabases(
    id: string,
    credentials: BackstageCredentials,
  ): Promise<Database[]> {
    const instance = await this.deps.gate.load(
      id,
      credentials,
      dbaasInstanceReadPermission,
    );
    const made = (await this.deps.objects.list(id, 'database')).map(
      toPublicDatabase,
    );
    const application = instance.endpoint?.database ?? instance.databaseName;
    return [
      ...(application
        ? [
            {
              instanceId: id,
              name: application,
              application: true,
              status: 'ready' as const,
              createdBy: instance.createdBy,
              createdAt: instance.createdAt,
            },
          ]
        : []),
      ...made,
    ];
  }

  async createDatabase(
    id: string,
    request: CreateDatabaseRequest,
    credentials: BackstageCredentials,
  ): Promise<Database> {
    const instance = await this.changeable(id, credentials);
    if (
      RESERVED_DATABASES.includes(request.name) ||
      request.name === instance.endpoint?.database
    ) {
      throw new InputError(
        `name: '${
          request.name
        }' is taken by the server or the application database; reserved: ${[
          ...RESERVED_DATABASES,
          instance.endpoint?.database,
        ].join(', ')}`,
      );
    }
    return toPublicDatabase(
      await this.add(instance, 'database', request.name, credentials, {}),
    );
  }

  async deleteDatabase(
    id: string,
    name: string,
    credentials: BackstageCredentials,
  ): Promise<Database> {
    const instance = await this.changeable(id, credentials);
    if (name === instance.endpoint?.database) {
      throw new ConflictError(
        `${name} is ${instance.name}'s application database: it goes only with the instance`,
      );
    }
    const users = (await this.deps.objects.list(id, 'user')).filter(
      u => u.database === name,
    );
    if (users.length) {
      throw new ConflictError(
        `Users ${users
          .map(u => u.name)
          .join(', ')} have their role on ${name}: remove them first`,
      );
    }
    return toPublicDatabase(
      await this.remove(instance, 'database', name, credentials),
    );
  }

  /** The instance, when the caller may change it and its server can take the change. */
  private async changeable(id: string, credentials: BackstageCredentials) {
    const instance = await this.deps.gate.load(
      id,
      credentials,
      dbaasInstanceUpdatePermission,
    );
    if (!this.deps.runtimes.get(instance.runtime)?.engine.admin) {
      throw new ConflictError(
        `${instance.name} runs on the ${instance.runtime} runtime, which cannot manage users and databases yet`,
      );
    }
    if (instance.status !== 'running') {
      throw new ConflictError(
        `Users and databases change only on a running database; ${instance.name} is ${instance.status}`,
      );
    }
    if (instance.operation) {
      throw new ConflictError(
        `${instance.name} has a ${instance.operation.type} under way (asked by ${instance.operation.requestedBy}); try again once it is done`,
      );
    }
    return instance;
  }

  private async databaseNames(instance: StoredInstance) {
    const made = await this.deps.objects.list(instance.id, 'database');
    return [
      instance.endpoint?.database ?? '',
      ...made.filter(d => d.status === 'ready').map(d => d.name),
    ].filter(Boolean);
  }

  private async add(
    instance: StoredInstance,
    kind: ObjectKind,
    name: string,
    credentials: BackstageCredentials,
    details: {
      role?: DatabaseUser['role'];
      database?: string;
      secret?: string;
    },
  ) {
    const actor = actorOf(credentials);
    let object;
    try {
      object = await this.deps.objects.add({
        instanceId: instance.id,
        kind,
        name,
        role: details.role ?? null,
        database: details.database ?? null,
        secret: details.secret ?? null,
        status: 'creating',
        createdBy: actor,
      });
    } catch (error) {
      if (error instanceof ObjectExistsError) {
        throw new ConflictError(
          `${instance.name} has a ${kind} ${name} already`,
        );
      }
      throw error;
    }
    try {
      await this.request(instance, `create-${kind}`, name, actor);
    } catch (error) {
      await this.deps.objects.remove(instance.id, kind, name);
      throw error;
    }
    return object;
  }

  private async remove(
    instance: StoredInstance,
    kind: ObjectKind,
    name: string,
    credentials: BackstageCredentials,
  ) {
    const object = await this.deps.objects.get(instance.id, kind, name);
    if (!object) {
      throw new NotFoundError(`${instance.name} has no ${kind} ${name}`);
    }
    if (object.status !== 'ready') {
      throw new ConflictError(`${kind} ${name} is ${object.status} already`);
    }
    await this.request(instance, `delete-${kind}`, name, actorOf(credentials));
    await this.deps.objects.setStatus(instance.id, kind, name, 'deleting');
    return { ...object, status: 'deleting' as const };
  }

  private async request(
    instance: StoredInstance,
    type: PendingOperationType,
    target: string,
    actor: string,
  ) {
    try {
      const updated = await this.deps.store.updateInstance(
        instance.id,
        {
          operation: {
            type,
            target,
            requestedBy: actor,
            requestedAt: new Date().toISOString(),
          },
        },
        {
          type: 'operation',
          message: `${type} ${target} requested by ${actor}`,
          actor,
        },
        { status: 'running', noOperation: true },
      );
      this.deps.kick(instance.id);
      await this.deps.notifier.changed(updated);
    } catch (error) {
      if (error instanceof StaleInstanceError) {
        throw new ConflictError(
          `${instance.name} changed meanwhile (another operation?); look again and retry`,
        );
      }
      throw error;
    }
  }
}
