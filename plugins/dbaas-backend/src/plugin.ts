import { WarmPool } from './pool/WarmPool';
import { PoolMembers } from './store/PoolMembers';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { ManagerMetrics } from './observability/ManagerMetrics';
import { dbaasPermissions } from '@dbaas/plugin-dbaas-common';
import { readDbaasConfig } from './config/readDbaasConfig';
import { isProduction, resolveEncryptionKeys } from './crypto/encryptionKey';
import { SecretBox } from './crypto/SecretBox';
import { LifecycleController } from './lifecycle/LifecycleController';
import { replicaIdentity } from './lifecycle/replicaIdentity';
import { InstanceNotifier } from './lifecycle/InstanceNotifier';
import {
  dbaasInstanceResourceRef,
  dbaasInstanceRules,
} from './permissions/rules';
import {
  BackupStoreRegistration,
  dbaasBackupStoresExtensionPoint,
  dbaasRuntimesExtensionPoint,
  RuntimeRegistration,
} from '@dbaas/plugin-dbaas-node';
import { createBackupStore, readBackupStoreConfig } from './backups/config';
import { BackupDeps } from './backups/backupDeps';
import { BackupRunner } from './backups/BackupRunner';
import { BackupScheduler } from './backups/BackupScheduler';
import { checkFlavorBackupPolicies } from './backups/backupPolicy';
import { LogShipper } from './backups/LogShipper';
import { BackupService } from './service/BackupService';
import { BackupRecords, StoredBackup } from './store/BackupRecords';
import { MetricsStore } from './store/MetricsStore';
import { DatabaseObjects } from './store/DatabaseObjects';
import { startDueOperations } from './lifecycle/maintenanceRunner';
import { DatabaseObjectsService } from './service/DatabaseObjectsService';
import { ConnectionInfo } from './service/connectionInfo';
import { baseBackupKey } from './backups/objectKeys';
import { createBuiltInRuntimes, RuntimeRegistry } from './runtimes';
import { AccessControl } from './service/access/AccessControl';
import { OwnerCheck } from './service/access/OwnerCheck';
import { AdminService } from './service/admin/AdminService';
import { InstanceGate } from './service/access/instanceGate';
import { InstanceService } from './service/InstanceService';
import { createRouter } from './service/router';
import { rotateDue } from './service/rotationSchedule';
import { InstanceStore, toPublicInstance } from './store/InstanceStore';
import { IdempotencyStore } from './store/IdempotencyStore';
import { SettingsStore } from './store/SettingsStore';
import { InstanceCertificates } from './tls/InstanceCertificates';

/** The DBaaS Manager backend plugin, mounted at `/api/dbaas`. */
/** The scheduled task that keeps the warm pool filled. */
const WARM_POOL_TASK = 'dbaas-warm-pool';

export const dbaasPlugin = createBackendPlugin({
  pluginId: 'dbaas',
  register(env) {
    const registrations: RuntimeRegistration[] = [];
    env.registerExtensionPoint(dbaasRuntimesExtensionPoint, {
      addRuntime: registration => registrations.push(registration),
    });
    const backupStores: BackupStoreRegistration[] = [];
    env.registerExtensionPoint(dbaasBackupStoresExtensionPoint, {
      addBackupStore: registration => backupStores.push(registration),
    });

    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        userInfo: coreServices.userInfo,
        catalog: catalogServiceRef,
        httpRouter: coreServices.httpRouter,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        notifications: notificationService,
        signals: signalsServiceRef,
        metrics: metricsServiceRef,
      },
      async init(deps) {
        const { logger } = deps;
        const config = readDbaasConfig(deps.config);
        checkFlavorBackupPolicies(config.flavors);
        const backupStore = await createBackupStore(
          readBackupStoreConfig(deps.config, config.runtimes.local.dataDir),
          { registrations: backupStores, logger },
        );
        logger.info(`Backups go to ${backupStore.description}`);

        const knex = await deps.database.getClient();
        const secretBox = new SecretBox(
          await resolveEncryptionKeys({
            configured: config.encryptionKeys,
            production: isProduction(String(knex.client.config.client)),
            fallbackDir: config.runtimes.local.dataDir,
            logger,
          }),
        );
        const runtimes = new RuntimeRegistry();
        createBuiltInRuntimes(config).forEach(r => runtimes.add(r));
        await runtimes.addFromModules(registrations, {
          config: deps.config,
          logger,
          secrets: secretBox,
        });
        for (const flavor of config.flavors) {
          if (!runtimes.list().some(r => !r.unsupportedReason(flavor))) {
            logger.warn(
              `No configured runtime can serve flavor ${flavor.id}: ${runtimes
                .list()
                .map(r => `${r.name}: ${r.unsupportedReason(flavor)}`)
                .join('; ')}`,
            );
          }
        }

        const store = await InstanceStore.create(knex, {
          skipMigrations: deps.database.migrations?.skip,
        });
        const settings = new SettingsStore(knex);
        // the CA is made on first use and shared by every replica through the store
        const certificates = new InstanceCertificates({ settings, secretBox });
        const notifier = new InstanceNotifier({
          logger,
          notifications: deps.notifications,
          signals: deps.signals,
        });
        const replicaId = config.replicaId ?? replicaIdentity('.dbaas');
        const backupRecords = new BackupRecords(knex);
        const metrics = new MetricsStore(knex);
        const objects = new DatabaseObjects(knex);
        const managerMetrics = new ManagerMetrics(deps.metrics, store);
        const backupDeps: BackupDeps = {
          store: backupStore,
          records: backupRecords,
          instances: store,
          runtimes,
          flavors: config.flavors,
          secretBox,
          logger,
          replicaId,
          leaseMs: config.leaseMs,
          managerMetrics,
        };
        const shipper = new LogShipper(backupDeps);
        const backupRunner = new BackupRunner(backupDeps, shipper);
        // backups this replica was taking when it stopped did not finish
        const removeAbandoned = async (failed: StoredBackup[]) => {
          for (const backup of failed) {
            await backupStore
              .delete(baseBackupKey(backup.instanceId, backup.id))
              .catch(error =>
                logger.warn(
                  `Removing what backup ${backup.id} left in the store failed: ${error}`,
                ),
              );
          }
        };
        await removeAbandoned(await backupRecords.failAbandoned(replicaId));
        const controller = new LifecycleController({
          store,
          runtimes,
          flavors: config.flavors,
          secretBox,
          notifier,
          logger,
          replicaId,
          leaseMs: config.leaseMs,
          stepTimeoutMs: config.stepTimeoutMs,
          certificates,
          backups: {
            store: backupStore,
            records: backupRecords,
            runner: backupRunner,
          },
          metrics,
          objects,
          quotas: config.quotas,
          managerMetrics,
        });

        deps.permissionsRegistry.addResourceType({
          resourceRef: dbaasInstanceResourceRef,
          permissions: dbaasPermissions,
          rules: Object.values(dbaasInstanceRules),
          getResources: async ids =>
            Promise.all(
              ids.map(async id => {
                const instance = await store.getInstance(id);
                return instance ? toPublicInstance(instance) : undefined;
              }),
            ),
        });

        const access = new AccessControl({
          permissions: deps.permissions,
          ruleset: deps.permissionsRegistry.getPermissionRuleset(
            dbaasInstanceResourceRef,
          ),
          serviceAccess: config.serviceAccess,
        });
        const poolMembers = new PoolMembers(knex);
        const warmPool = new WarmPool({
          flavors: config.flavors,
          defaultRuntime: config.defaultRuntime,
          maxInstances: config.warmPoolMaxInstances,
          abandonAfterMs: config.warmPoolAbandonAfterMs,
          runtimes,
          members: poolMembers,
          instances: store,
          secretBox,
          certificates,
          logger,
          stepTimeoutMs: config.stepTimeoutMs,
          settings,
          replicaId,
          onClaimed: () => {
            // refused while a round runs: that round or the next one refills
            deps.scheduler.triggerTask(WARM_POOL_TASK).catch(() => {});
          },
        });
        warmPool.problems().forEach(problem => logger.warn(problem));
        const service = new InstanceService({
          config,
          store,
          lifecycle: controller,
          runtimes,
          secretBox,
          access,
          ownerCheck: new OwnerCheck({
            catalog: deps.catalog,
            auth: deps.auth,
            userInfo: deps.userInfo,
            access,
          }),
          notifier,
          settings,
          certificates,
          backupRecords,
          metrics,
          warmPool,
        });
        const gate = new InstanceGate(store, access);
        const backups = new BackupService({
          records: backupRecords,
          runner: backupRunner,
          store: backupStore,
          gate,
          runtimes,
          instances: store,
        });
        const databaseObjects = new DatabaseObjectsService({
          gate,
          store,
          objects,
          secretBox,
          runtimes,
          connection: new ConnectionInfo({ gate, secretBox, certificates }),
          notifier,
          kick: id => controller.kick(id),
        });
        const admin = new AdminService({
          store,
          secretBox,
          gate,
          settings,
          poolMembers,
          warmPool,
        });
        const idempotency = new IdempotencyStore(knex);
        deps.httpRouter.use(
          await createRouter({
            service,
            admin,
            httpAuth: deps.httpAuth,
            auditor: deps.auditor,
            backups,
            objects: databaseObjects,
            idempotency: { store: idempotency, logger },
          }),
        );
        deps.httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });

        await deps.scheduler.scheduleTask({
          id: 'dbaas-resume-pending',
          frequency: { seconds: 10 },
          timeout: { minutes: 1 },
          scope: 'local',
          fn: () => controller.resumePending(),
        });
        await deps.scheduler.scheduleTask({
          id: 'dbaas-idempotency-prune',
          frequency: { hours: 1 },
          timeout: { minutes: 5 },
          scope: 'global',
          fn: async () => {
            await idempotency.prune();
          },
        });
        await deps.scheduler.scheduleTask({
          id: 'dbaas-ship-logs',
          frequency: { seconds: 10 },
          timeout: { minutes: 10 },
          scope: 'global',
          fn: async () => {
            await removeAbandoned(await backupRecords.failAbandoned());
            await shipper.shipAll();
          },
        });
        const backupScheduler = new BackupScheduler({
          ...backupDeps,
          runner: backupRunner,
        });
        await deps.scheduler.scheduleTask({
          id: 'dbaas-backup-schedules',
          frequency: { seconds: 60 },
          timeout: { minutes: 10 },
          scope: 'global',
          fn: () => backupScheduler.run(),
        });
        await deps.scheduler.scheduleTask({
          id: 'dbaas-maintenance-windows',
          frequency: { minutes: 1 },
          timeout: { minutes: 1 },
          scope: 'global',
          fn: () =>
            startDueOperations({
              store,
              logger,
              kick: id => controller.kick(id),
            }),
        });
        await deps.scheduler.scheduleTask({
          id: 'dbaas-credential-rotation',
          frequency: { minutes: 10 },
          timeout: { minutes: 5 },
          scope: 'global',
          fn: async () => {
            await rotateDue({
              store,
              secretBox,
              logger,
              kick: id => controller.kick(id),
            });
          },
        });
        await deps.scheduler.scheduleTask({
          id: WARM_POOL_TASK,
          frequency: { seconds: 15 },
          timeout: { minutes: 15 },
          scope: 'global',
          fn: () => warmPool.maintain(),
        });
        await deps.scheduler.scheduleTask({
          id: 'dbaas-janitor',
          frequency: { seconds: 30 },
          timeout: { minutes: 5 },
          scope: 'global',
          fn: () => controller.cleanUpLeaks(),
        });
        await deps.scheduler.scheduleTask({
          id: 'dbaas-reconcile-health',
          frequency: { seconds: config.reconcileIntervalSeconds },
          timeout: { minutes: 5 },
          scope: 'global',
          fn: () => controller.reconcile(),
        });
        // servers a host restart left down (the local runtime's) start again right away
        deps.lifecycle.addStartupHook(() => {
          controller
            .reconcile()
            .catch(error =>
              logger.error(`Recovering instances at start-up failed: ${error}`),
            );
        });
        deps.lifecycle.addShutdownHook(() => controller.stop());
      },
    });
  },
});
