import { LoggerService } from '@backstage/backend-plugin-api';
import { Flavor } from '@dbaas/plugin-dbaas-common';
import {
  EngineSecrets,
  HostRef,
  HostSpec,
  Runtime,
} from '@dbaas/plugin-dbaas-node';
import crypto from 'crypto';
import { generatePassword, SecretBox } from '../crypto/SecretBox';
import { tlsNamesOf } from '../lifecycle/instanceTls';
import { RuntimeRegistry } from '../runtimes';
import { InstanceStore } from '../store/InstanceStore';
import { PoolMember, PoolMembers } from '../store/PoolMembers';
import { SettingsStore } from '../store/SettingsStore';
import { InstanceCertificates } from '../tls/InstanceCertificates';
import { poolEngineSpec } from './poolAdoption';

/** The owner a pool member's host is labelled with until a create claims it. */
export const POOL_OWNER = 'dbaas-warm-pool';
const PAUSED_KEY = 'warmPool.paused';
/** How long a pause waits for a round under way before leaving the removal to the next one. */
const PAUSE_WAIT_MS = 15_000;
/** The lease of the replica running a maintain round: "<replica> <expiry> <token>". */
const ROUND_KEY = 'warmPool.round';
/** A claim whose create never recorded its instance, or a warming that stopped, after this long (default). */
const ABANDONED_MS = 10 * 60_000;

interface PoolTarget {
  flavor: Flavor;
  runtime: Runtime;
  size: number;
  maxAgeMs: number;
}

/** What a create gets from the pool: the member (its id and host become the instance's). */
export interface ClaimedMember {
  member: PoolMember;
  secrets: EngineSecrets;
}

/**
 * Keeps each pooled flavor's servers started ahead of demand, on each runtime it names that
 * can hand a server to any owner (`Runtime.poolable`: local and Docker), within the
 * platform's cap; `claim` hands one to a create exactly once. `maintain` (one replica at a
 * time, from a global scheduled task) removes members past their age, of an image no longer
 * the flavor's, or left over by a stopped replica, then starts what is missing.
 */
export class WarmPool {
  private roundRunning = false;

  constructor(
    private readonly deps: {
      flavors: Flavor[];
      defaultRuntime: string;
      maxInstances: number;
      /** A member whose warming or claim stopped is removed after this long (default 10 min). */
      abandonAfterMs?: number;
      runtimes: RuntimeRegistry;
      members: PoolMembers;
      instances: InstanceStore;
      secretBox: SecretBox;
      certificates?: InstanceCertificates;
      logger: LoggerService;
      stepTimeoutMs: number;
      /** A member was claimed: start the next round soon rather than at its time. */
      onClaimed?: () => void;
      /** Where the pause survives restarts and is shared by the replicas. */
      settings?: SettingsStore;
      /** This replica's name: after a restart it takes over a round lease it left at once. */
      replicaId?: string;
    },
  ) {}

  async paused(): Promise<boolean> {
    return (await this.deps.settings?.get(PAUSED_KEY)) === 'true';
  }

  /** Paused, the pool is emptied (but for claimed members) and not refilled until resumed. */
  async setPaused(paused: boolean) {
    const settings = this.deps.settings;
    if (!settings) throw new Error('the warm pool has no settings store');
    const value = String(paused);
    const before = await settings.insertIfAbsent(PAUSED_KEY, value);
    if (before !== value) await settings.swap(PAUSED_KEY, before, value);
    if (!paused) return;
    // the round that removes the members: this one's, once a round under way ends soon;
    // otherwise (a long round, a replica that died in one) the next round after it
    const until = Date.now() + PAUSE_WAIT_MS;
    while (!(await this.runRound()) && Date.now() < until) {
      await new Promise(resolve => setTimeout(resolve, 200));
    }
  }

  /** Why a flavor's `warmPool.runtimes` entry keeps nothing warm, one line each (for start-up). */
  problems(): string[] {
    const problems: string[] = [];
    for (const flavor of this.deps.flavors) {
      if (!flavor.warmPool) continue;
      for (const name of flavor.warmPool.runtimes ?? [
        this.deps.defaultRuntime,
      ]) {
        const why = this.unpoolableReason(flavor, name);
        if (why) {
          problems.push(
            `dbaas.flavors[${flavor.id}].warmPool.runtimes: ${why}; creates on ${name} take the cold path`,
          );
        }
      }
    }
    return problems;
  }

  private unpoolableReason(flavor: Flavor, name: string) {
    const runtime = this.deps.runtimes.get(name);
    if (!runtime) return `no runtime '${name}' is configured`;
    if (!runtime.poolable || !runtime.engine.admin) {
      const pooling = this.deps.runtimes
        .list()
        .filter(r => r.poolable)
        .map(r => r.name);
      return `the ${name} runtime cannot hand a started server to another owner (pools: ${pooling.join(
        ', ',
      )})`;
    }
    return runtime.unsupportedReason(flavor);
  }

  /** The flavor/runtime pairs kept warm. */
  targets(): PoolTarget[] {
    const targets: PoolTarget[] = [];
    for (const flavor of this.deps.flavors) {
      if (!flavor.warmPool) continue;
      for (const name of flavor.warmPool.runtimes ?? [
        this.deps.defaultRuntime,
      ]) {
        if (this.unpoolableReason(flavor, name)) continue;
        const runtime = this.deps.runtimes.get(name)!;
        targets.push({
          flavor,
          runtime,
          size: flavor.warmPool.size,
          maxAgeMs: (flavor.warmPool.maxAgeHours ?? 24) * 3600_000,
        });
      }
    }
    return targets;
  }

  /** A ready member for a create of `flavor` on `runtimeName`, or undefined (the cold path). */
  async claim(
    flavor: Flavor,
    runtimeName: string,
  ): Promise<ClaimedMember | undefined> {
    if (!this.target(flavor.id, runtimeName) || (await this.paused())) {
      return undefined;
    }
    const member = await this.deps.members.claim(
      flavor.id,
      runtimeName,
      flavor.image,
    );
    if (!member) return undefined;
    this.deps.onClaimed?.();
    return {
      member,
      secrets: this.deps.secretBox.open<EngineSecrets>(member.sealedSecrets),
    };
  }

  /** The instance is recorded: the member's host is the instance's now. */
  async handedOver(member: PoolMember) {
    await this.deps.members.remove(member.id);
  }

  /** The create failed after its claim: the member waits for the next one. */
  async release(member: PoolMember) {
    await this.deps.members.release(member.id);
  }

  /**
   * One round: removes stale members, then starts the missing ones. One replica at a time:
   * the scheduler runs the task globally, and a lease in the settings keeps a triggered round
   * (or a scheduler without global tasks) from counting the same gap twice and overfilling.
   */
  async maintain(): Promise<void> {
    if (!(await this.runRound())) {
      this.deps.logger.debug(
        'Warm pool: another round runs (here or on another replica); this one is skipped',
      );
    }
  }

  /** A round under the lease; false when another round holds it. */
  private async runRound(): Promise<boolean> {
    if (this.roundRunning) return false;
    const lease = await this.roundLease();
    if (!lease) return false;
    this.roundRunning = true;
    try {
      await this.round(lease.renew);
    } finally {
      this.roundRunning = false;
      await lease.release();
    }
    return true;
  }

  /** A member's start (one step) or removal (two) fits in it; the lease is renewed before each. */
  private roundLeaseMs() {
    return 2 * this.deps.stepTimeoutMs + 60_000;
  }

  /**
   * The round's lease, or undefined while another replica's holds: a token and its expiry,
   * renewed before each member is started, so a replica that died holding it stops no one
   * for long.
   */
  private async roundLease() {
    const settings = this.deps.settings;
    if (!settings) return { renew: async () => {}, release: async () => {} };
    const ttlMs = this.roundLeaseMs();
    const holder = (this.deps.replicaId ?? crypto.randomUUID()).replace(
      /\s/g,
      '_',
    );
    const token = () =>
      `${holder} ${new Date(
        Date.now() + ttlMs,
      ).toISOString()} ${crypto.randomUUID()}`;
    let mine = token();
    const held = await settings.insertIfAbsent(ROUND_KEY, mine);
    if (held !== mine) {
      const [heldBy, expiry] = held.split(' ');
      // no round runs in this process (runRound): a lease of this replica's is a former life's
      const leftByMe = Boolean(this.deps.replicaId) && heldBy === holder;
      if (
        (Date.parse(expiry ?? '') > Date.now() && !leftByMe) ||
        !(await settings.swap(ROUND_KEY, held, mine))
      )
        return undefined;
    }
    return {
      renew: async () => {
        const next = token();
        if (!(await settings.swap(ROUND_KEY, mine, next))) {
          throw new Error('the warm pool round lost its lease');
        }
        mine = next;
      },
      release: async () => {
        await settings.swap(ROUND_KEY, mine, '- 1970-01-01T00:00:00Z');
      },
    };
  }

  private async round(renew: () => Promise<void>): Promise<void> {
    const paused = await this.paused();
    let members = await this.deps.members.list();
    for (const member of members) {
      const stale =
        paused && member.status !== 'claimed'
          ? 'the pool is paused'
          : await this.staleness(member);
      if (!stale) continue;
      // renewed first: a round that lost its lease must not take a member it cannot remove
      await renew();
      // a ready member is taken first: a create cannot claim it while it goes
      if (
        member.status !== 'ready' ||
        (await this.deps.members.take(member.id))
      ) {
        this.deps.logger.info(
          `Warm pool: removing member ${member.id} (${member.flavorId} on ${member.runtime}): ${stale}`,
        );
        await this.retire(member);
      }
    }
    if (paused) return;
    members = await this.deps.members.list();
    let total = members.filter(m => m.status !== 'claimed').length;
    for (const target of this.targets()) {
      const have = members.filter(
        m =>
          m.flavorId === target.flavor.id &&
          m.runtime === target.runtime.name &&
          m.status !== 'claimed',
      ).length;
      for (let i = have; i < target.size; i++) {
        if (total >= this.deps.maxInstances) {
          this.deps.logger.warn(
            `Warm pool: ${total} members reach dbaas.warmPool.maxInstances (${this.deps.maxInstances}); ${target.flavor.id} on ${target.runtime.name} has ${i} of ${target.size}`,
          );
          return;
        }
        // a pause that came while this round ran stops it here
        if (await this.paused()) return;
        await renew();
        total++;
        await this.warm(target);
      }
    }
  }

  /** Why the member must go, or undefined while it serves. */
  private async staleness(member: PoolMember): Promise<string | undefined> {
    const age = Date.now() - Date.parse(member.createdAt);
    if (member.status === 'claimed') {
      if (await this.deps.instances.getInstance(member.id)) {
        // the create recorded its instance but stopped before saying so here
        await this.deps.members.remove(member.id);
        return undefined;
      }
      const since =
        Date.now() - Date.parse(member.claimedAt ?? member.createdAt);
      return since > this.abandonAfterMs()
        ? 'claimed, but no instance was recorded'
        : undefined;
    }
    if (member.status === 'warming') {
      return age > Math.max(this.abandonAfterMs(), 2 * this.deps.stepTimeoutMs)
        ? 'its warming stopped'
        : undefined;
    }
    const target = this.target(member.flavorId, member.runtime);
    if (!target) return 'its flavor is no longer pooled on this runtime';
    if (member.image !== target.flavor.image) {
      return `the flavor's image is ${target.flavor.image} now`;
    }
    if (age > target.maxAgeMs) return 'older than maxAgeHours';
    return undefined;
  }

  private abandonAfterMs() {
    return this.deps.abandonAfterMs ?? ABANDONED_MS;
  }

  private target(flavorId: string, runtimeName: string) {
    return this.targets().find(
      t => t.flavor.id === flavorId && t.runtime.name === runtimeName,
    );
  }

  /** Provisions a host and starts a server on it with the placeholder database and user. */
  private async warm(target: PoolTarget) {
    const { flavor, runtime } = target;
    const id = crypto.randomUUID();
    const secrets: EngineSecrets = {
      password: generatePassword(),
      adminPassword: generatePassword(),
    };
    const { members, secretBox } = this.deps;
    await members.add({
      id,
      flavorId: flavor.id,
      runtime: runtime.name,
      image: flavor.image,
      sealedSecrets: secretBox.seal(secrets),
    });
    const ctx = this.stepContext();
    let hostRef: HostRef | undefined;
    try {
      hostRef = await runtime.host.provision(hostSpec(id, flavor), ctx);
      await members.hostMade(id, hostRef);
      const spec = poolEngineSpec(id, flavor);
      const withTls: EngineSecrets = this.deps.certificates
        ? {
            ...secrets,
            tls: (
              await this.deps.certificates.certificateFor(
                undefined,
                tlsNamesOf(runtime, hostRef, spec),
              )
            ).tls,
          }
        : secrets;
      const endpoint = await runtime.engine.deploy(hostRef, spec, withTls, ctx);
      if (await this.paused()) throw new Error('the pool was paused meanwhile');
      await members.ready(id, {
        hostRef,
        endpoint,
        sealedSecrets: secretBox.seal(withTls),
      });
    } catch (error) {
      this.deps.logger.warn(
        `Warm pool: a member of ${flavor.id} on ${runtime.name} could not be started: ${error}`,
      );
      await this.retire({
        id,
        flavorId: flavor.id,
        runtime: runtime.name,
        hostRef: hostRef ?? null,
      });
    }
  }

  /** Removes the member's server and host, then its record. */
  private async retire(
    member: Pick<PoolMember, 'id' | 'flavorId' | 'runtime' | 'hostRef'>,
  ) {
    const runtime = this.deps.runtimes.get(member.runtime);
    const flavor = this.deps.flavors.find(f => f.id === member.flavorId);
    if (runtime && flavor && member.hostRef) {
      const ctx = this.stepContext();
      try {
        await runtime.engine.remove(
          member.hostRef,
          poolEngineSpec(member.id, flavor),
          ctx,
        );
        await runtime.host.destroy(member.hostRef, ctx);
      } catch (error) {
        // the record stays, so that the next round tries again
        this.deps.logger.warn(
          `Warm pool: member ${member.id} could not be removed: ${error}`,
        );
        return;
      }
    }
    await this.deps.members.remove(member.id);
  }

  private stepContext() {
    return {
      logger: this.deps.logger,
      signal: AbortSignal.timeout(this.deps.stepTimeoutMs),
    };
  }
}

function hostSpec(id: string, flavor: Flavor): HostSpec {
  return {
    instanceId: id,
    instanceName: `pool-${id.slice(0, 8)}`,
    owner: POOL_OWNER,
    flavor,
    storageGiB: flavor.storageGiB.default,
  };
}
