import { ConfigReader } from '@backstage/config';
import { startTestBackend } from '@backstage/backend-test-utils';
import {
  dbaasRuntimesExtensionPoint,
  RuntimeRegistration,
} from '@dbaas/plugin-dbaas-node';
import { silentLogger } from '@dbaas/plugin-dbaas-node/testUtils';
import crypto from 'crypto';
import { GCE_CONFIG_KEYS } from './config';
import dbaasModuleGceRuntime from '.';

describe('dbaasModuleGceRuntime', () => {
  it('registers the gce runtime, made from dbaas.runtimes.gce and refusing unknown keys', async () => {
    const registered: RuntimeRegistration[] = [];
    const backend = await startTestBackend({
      extensionPoints: [
        [dbaasRuntimesExtensionPoint, { addRuntime: r => registered.push(r) }],
      ],
      features: [dbaasModuleGceRuntime],
    });
    try {
      expect(registered.map(r => r.name)).toEqual(['gce']);
      const secrets = {
        seal: (v: unknown) => JSON.stringify(v),
        open: <T>(s: string) => JSON.parse(s) as T,
        derive: (purpose: string) =>
          crypto.createHash('sha256').update(purpose).digest(),
      };
      const runtime = await registered[0].create({
        config: new ConfigReader({
          project: 'p',
          zones: ['europe-west1-b'],
          apiEndpoint: 'http://127.0.0.1:9',
        }),
        logger: silentLogger,
        secrets,
      });
      expect(runtime.name).toBe('gce');
      expect(() =>
        registered[0].create({
          config: new ConfigReader({
            project: 'p',
            zones: ['europe-west1-b'],
            zone: 'europe-west1-b',
          }),
          logger: silentLogger,
          secrets,
        }),
      ).toThrow(
        `Invalid app-config at 'dbaas.runtimes.gce': unknown key(s) zone; allowed: ${GCE_CONFIG_KEYS.join(
          ', ',
        )}`,
      );
    } finally {
      await backend.stop();
    }
  });
});
