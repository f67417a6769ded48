import { Endpoint } from '@dbaas/plugin-dbaas-common';
import {
  HostRef,
  Runtime,
  RuntimeFault,
  StepContext,
} from '@dbaas/plugin-dbaas-node';

type Call = 'provision' | 'deploy' | 'health' | 'remove' | 'destroy';

/** What one call does instead of succeeding: hang (ignoring the signal), or throw. */
export type Behaviour = 'hang' | Error | ((ctx: StepContext) => Promise<void>);

/**
 * A runtime whose calls are scripted per call and attempt, and which keeps count of what
 * exists: the lifecycle tests see what was made twice, what was removed, what was left.
 */
export class ScriptedRuntime {
  readonly hosts = new Set<string>();
  readonly servers = new Set<string>();
  readonly calls: Record<Call, number> = {
    provision: 0,
    deploy: 0,
    health: 0,
    remove: 0,
    destroy: 0,
  };
  private readonly script = new Map<Call, Behaviour[]>();
  private readonly hung: Array<() => void> = [];

  /** The next calls of `call` behave as given, one each, in order. */
  next(call: Call, ...behaviours: Behaviour[]) {
    this.script.set(call, [...(this.script.get(call) ?? []), ...behaviours]);
    return this;
  }

  /** Lets every hung call return (as the hung daemon finally answering). */
  releaseHung() {
    this.hung.splice(0).forEach(release => release());
  }

  private async act(call: Call, ctx: StepContext) {
    this.calls[call]++;
    const behaviour = this.script.get(call)?.shift();
    if (behaviour === 'hang') {
      await new Promise<void>(resolve => this.hung.push(resolve));
    } else if (behaviour instanceof Error) {
      throw behaviour;
    } else if (behaviour) {
      await behaviour(ctx);
    }
  }

  /** `deployAnswers`: the engine says its deploy returns once the server answers. */
  runtime(name = 'local', options: { deployAnswers?: boolean } = {}): Runtime {
    const hostRef = (instanceId: string): HostRef => ({
      runtime: name,
      instanceId,
      address: '127.0.0.1',
      data: {},
    });
    return {
      name,
      unsupportedReason: () => undefined,
      host: {
        provision: async (spec, ctx) => {
          await this.act('provision', ctx);
          this.hosts.add(spec.instanceId);
          return hostRef(spec.instanceId);
        },
        describe: async ref => ({ exists: this.hosts.has(ref.instanceId) }),
        find: async id => (this.hosts.has(id) ? hostRef(id) : undefined),
        destroy: async (ref, ctx) => {
          await this.act('destroy', ctx);
          this.hosts.delete(ref.instanceId);
        },
      },
      engine: {
        deployAnswers: options.deployAnswers,
        deploy: async (ref, spec, _secrets, ctx): Promise<Endpoint> => {
          await this.act('deploy', ctx);
          if (!this.hosts.has(ref.instanceId)) {
            throw new RuntimeFault('HOST_UNAVAILABLE', 'no such host');
          }
          this.servers.add(spec.instanceId);
          return {
            host: ref.address,
            port: 5432,
            database: spec.database,
            user: spec.username,
          };
        },
        health: async (_ref, spec) => {
          this.calls.health++;
          return {
            state: this.servers.has(spec.instanceId) ? 'healthy' : 'unhealthy',
          };
        },
        stop: async () => {},
        start: async () => {},
        remove: async (_ref, spec, ctx) => {
          await this.act('remove', ctx);
          this.servers.delete(spec.instanceId);
        },
      },
    };
  }
}
