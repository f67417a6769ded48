import { LoggerService } from '@backstage/backend-plugin-api';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { SignalsService } from '@backstage/plugin-signals-node';

/** The signal channel the UI listens on for instance changes. */
export const DBAAS_SIGNAL_CHANNEL = 'dbaas:instances';

/** Tells the owner (notifications) and open pages (signals) what happened to an instance. */
export class InstanceNotifier {
  constructor(
    private readonly deps: {
      logger: LoggerService;
      notifications?: NotificationService;
      signals?: SignalsService;
    },
  ) {}

  /** Only the owner (a user, or a group's members) and the creator see the signal. */
  async changed(instance: Omit<Instance, 'host'>) {
    await this.deps.signals
      ?.publish({
        recipients: {
          type: 'user',
          entityRef: [...new Set([instance.owner, instance.createdBy])],
        },
        channel: DBAAS_SIGNAL_CHANNEL,
        message: {
          id: instance.id,
          status: instance.status,
          phase: instance.phase,
          health: instance.health,
        },
      })
      .catch(error =>
        this.deps.logger.warn(`Could not publish a signal: ${error}`),
      );
  }

  async ready(instance: Omit<Instance, 'host'>) {
    await this.notify(instance, {
      title: `Database ${instance.name} is ready`,
      description: `${instance.engine} ${instance.version} on ${instance.runtime} accepts connections at ${instance.endpoint?.host}:${instance.endpoint?.port}. Read the password on its page.`,
      severity: 'normal',
    });
  }

  async failed(instance: Omit<Instance, 'host'>) {
    await this.notify(instance, {
      title: `Database ${instance.name} failed`,
      description: `${instance.fault?.code}: ${instance.fault?.message}`,
      severity: 'high',
    });
  }

  /** Storage that grew, needs growing, or filled up. */
  async storage(
    instance: Omit<Instance, 'host'>,
    message: string,
    severity: 'normal' | 'high',
  ) {
    await this.notify(instance, {
      title: `Database ${instance.name}: ${
        severity === 'high' ? 'storage full' : 'storage'
      }`,
      description: message,
      severity,
    });
  }

  private async notify(
    instance: Omit<Instance, 'host'>,
    payload: {
      title: string;
      description: string;
      severity: 'normal' | 'high';
    },
  ) {
    await this.deps.notifications
      ?.send({
        recipients: { type: 'entity', entityRef: instance.owner },
        payload: {
          ...payload,
          link: `/dbaas/instances/${instance.id}`,
          topic: 'dbaas',
        },
      })
      .catch(error =>
        this.deps.logger.warn(`Could not notify ${instance.owner}: ${error}`),
      );
  }
}
