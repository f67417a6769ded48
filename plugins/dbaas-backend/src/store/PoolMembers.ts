import { Endpoint } from '@dbaas/plugin-dbaas-common';
import { HostRef } from '@dbaas/plugin-dbaas-node';
import { Knex } from 'knex';

const MEMBERS = 'dbaas_pool_members';

export type PoolMemberStatus = 'warming' | 'ready' | 'claimed';

/** A server started ahead of demand: no user data; its secrets sealed like an instance's. */
export interface PoolMember {
  id: string;
  flavorId: string;
  runtime: string;
  image: string;
  status: PoolMemberStatus;
  hostRef: HostRef | null;
  endpoint: Endpoint | null;
  sealedSecrets: string;
  createdAt: string;
  readyAt: string | null;
  claimedAt: string | null;
}

const json = <T>(v: string | null): T | null => (v ? JSON.parse(v) : null);

function fromRow(r: any): PoolMember {
  return {
    id: r.id,
    flavorId: r.flavor_id,
    runtime: r.runtime,
    image: r.image,
    status: r.status,
    hostRef: json<HostRef>(r.host_ref),
    endpoint: json<Endpoint>(r.endpoint),
    sealedSecrets: r.secrets,
    createdAt: r.created_at,
    readyAt: r.ready_at ?? null,
    claimedAt: r.claimed_at ?? null,
  };
}

/** The warm pool's members: added warming, made ready, claimed exactly once, removed. */
export class PoolMembers {
  constructor(private readonly knex: Knex) {}

  async add(member: {
    id: string;
    flavorId: string;
    runtime: string;
    image: string;
    sealedSecrets: string;
  }) {
    await this.knex(MEMBERS).insert({
      id: member.id,
      flavor_id: member.flavorId,
      runtime: member.runtime,
      image: member.image,
      status: 'warming',
      secrets: member.sealedSecrets,
      created_at: new Date().toISOString(),
    });
  }

  async ready(
    id: string,
    ready: { hostRef: HostRef; endpoint: Endpoint; sealedSecrets: string },
  ) {
    await this.knex(MEMBERS)
      .where({ id, status: 'warming' })
      .update({
        status: 'ready',
        host_ref: JSON.stringify(ready.hostRef),
        endpoint: JSON.stringify(ready.endpoint),
        secrets: ready.sealedSecrets,
        ready_at: new Date().toISOString(),
      });
  }

  /** Records the host as soon as it exists, so that a member whose warming stopped can be removed. */
  async hostMade(id: string, hostRef: HostRef) {
    await this.knex(MEMBERS)
      .where({ id })
      .update({ host_ref: JSON.stringify(hostRef) });
  }

  /**
   * Takes the oldest ready member of the flavor on the runtime, exactly once across replicas
   * (a conditional update: of two claims of one member, one changes the row); undefined when
   * none is ready.
   */
  async claim(
    flavorId: string,
    runtime: string,
    image: string,
  ): Promise<PoolMember | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const candidate = await this.knex(MEMBERS)
        .where({ flavor_id: flavorId, runtime, image, status: 'ready' })
        .orderBy('ready_at', 'asc')
        .first();
      if (!candidate) return undefined;
      const claimedAt = new Date().toISOString();
      const taken = await this.knex(MEMBERS)
        .where({ id: candidate.id, status: 'ready' })
        .update({ status: 'claimed', claimed_at: claimedAt });
      if (taken === 1) {
        return fromRow({
          ...candidate,
          status: 'claimed',
          claimed_at: claimedAt,
        });
      }
    }
    return undefined;
  }

  /** Takes a ready member out of reach of claims (before removing it); false when one claimed it. */
  async take(id: string): Promise<boolean> {
    const taken = await this.knex(MEMBERS)
      .where({ id, status: 'ready' })
      .update({ status: 'claimed', claimed_at: new Date().toISOString() });
    return taken === 1;
  }

  /** A claim whose create did not go through: the member serves the next one. */
  async release(id: string) {
    await this.knex(MEMBERS)
      .where({ id, status: 'claimed' })
      .update({ status: 'ready', claimed_at: null });
  }

  async list(): Promise<PoolMember[]> {
    return (await this.knex(MEMBERS).orderBy('created_at', 'asc')).map(fromRow);
  }

  async remove(id: string) {
    await this.knex(MEMBERS).where({ id }).delete();
  }
}
