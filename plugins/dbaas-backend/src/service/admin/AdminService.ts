import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { dbaasAdminPermission, LeakReport } from '@dbaas/plugin-dbaas-common';
import { SecretBox } from '../../crypto/SecretBox';
import { InstanceStore } from '../../store/InstanceStore';
import { SettingsStore } from '../../store/SettingsStore';
import { PoolMembers } from '../../store/PoolMembers';
import type { WarmPool } from '../../pool/WarmPool';
import { InstanceGate } from '../access/instanceGate';
import { ResealReport, resealSecrets } from './resealSecrets';

/** What platform admins do to the Manager itself; every call needs `dbaas.admin`. */
export class AdminService {
  constructor(
    private readonly deps: {
      store: InstanceStore;
      secretBox: SecretBox;
      gate: InstanceGate;
      settings?: SettingsStore;
      poolMembers?: PoolMembers;
      warmPool?: WarmPool;
    },
  ) {}

  /** Seals every stored secret under the newest key (after a key was put first). */
  async reseal(credentials: BackstageCredentials): Promise<ResealReport> {
    await this.deps.gate.authorize(credentials, dbaasAdminPermission);
    return resealSecrets(
      this.deps.store,
      this.deps.secretBox,
      this.deps.settings,
    );
  }

  /**
   * Failed creates whose server or host could not be removed yet: what the janitor is still
   * retrying, with its last error.
   */
  async leaks(credentials: BackstageCredentials): Promise<LeakReport[]> {
    await this.deps.gate.authorize(credentials, dbaasAdminPermission);
    const leaks = await this.deps.store.work.listLeaks({ dueOnly: false });
    return leaks.map(leak => ({
      id: leak.id,
      name: leak.name,
      owner: leak.owner,
      runtime: leak.runtime,
      host: leak.hostRef?.address ?? null,
      failedAt: leak.updatedAt,
      fault: leak.fault,
      attempts: leak.retryAttempts,
      lastError: leak.lastError,
    }));
  }

  /** Whether the warm pool is paused, and its members, oldest first. */
  async warmPool(credentials: BackstageCredentials) {
    await this.deps.gate.authorize(credentials, dbaasAdminPermission);
    const members = (await this.deps.poolMembers?.list()) ?? [];
    return {
      paused: (await this.deps.warmPool?.paused()) ?? false,
      items: members.map(m => ({
        id: m.id,
        flavorId: m.flavorId,
        runtime: m.runtime,
        status: m.status,
        host: m.hostRef?.address ?? null,
        createdAt: m.createdAt,
        readyAt: m.readyAt,
      })),
    };
  }

  /** Pauses the warm pool (emptying it) or resumes it. */
  async pauseWarmPool(credentials: BackstageCredentials, paused: boolean) {
    await this.deps.gate.authorize(credentials, dbaasAdminPermission);
    await this.deps.warmPool?.setPaused(paused);
    return this.warmPool(credentials);
  }
}
