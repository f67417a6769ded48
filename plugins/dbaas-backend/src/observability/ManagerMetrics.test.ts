import { metricsServiceMock } from '@backstage/backend-test-utils/alpha';
import { newInstance, REQUESTED } from '../__testUtils__/fixtures';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { InstanceStore } from '../store/InstanceStore';
import { ManagerMetrics } from './ManagerMetrics';

const databases = createTestDatabases(['SQLITE_3']);

describe('the Manager’s own metrics', () => {
  it('observes instances by status and runtime, and records operations, backups and faults', async () => {
    const store = await InstanceStore.create(await databases.init('SQLITE_3'));
    const a = await store.createInstance(
      newInstance({ name: 'a-db' }),
      REQUESTED,
    );
    await store.updateInstance(a.id, { status: 'running' });
    await store.createInstance(newInstance({ name: 'b-db' }), REQUESTED);
    await store.createInstance(
      newInstance({ name: 'c-db', runtime: 'docker' }),
      REQUESTED,
    );
    const service = metricsServiceMock.mock();
    const metrics = new ManagerMetrics(service, store);

    const gauge = (service.createObservableGauge as jest.Mock).mock.results[0]
      .value;
    const callback = gauge.addCallback.mock.calls[0][0];
    const observed: Array<[number, object]> = [];
    await callback({
      observe: (v: number, attrs: object) => observed.push([v, attrs]),
    });
    expect(observed).toEqual(
      expect.arrayContaining([
        [1, { status: 'running', runtime: 'local' }],
        [1, { status: 'provisioning', runtime: 'local' }],
        [1, { status: 'provisioning', runtime: 'docker' }],
      ]),
    );
    expect(observed).toHaveLength(3);

    const [operations, backups] = (
      service.createHistogram as jest.Mock
    ).mock.results.map(r => r.value);
    metrics.operationEnded(
      'stop',
      'done',
      new Date(Date.now() - 2000).toISOString(),
    );
    const [seconds, attrs] = operations.record.mock.calls[0];
    expect(seconds).toBeGreaterThanOrEqual(2);
    expect(attrs).toEqual({ operation: 'stop', outcome: 'done' });
    metrics.backupEnded('failed', new Date().toISOString());
    expect(backups.record.mock.calls[0][1]).toEqual({ outcome: 'failed' });
    const faults = (service.createCounter as jest.Mock).mock.results[0].value;
    metrics.fault('TIMEOUT', 'operation');
    expect(faults.add).toHaveBeenCalledWith(1, {
      code: 'TIMEOUT',
      where: 'operation',
    });
  });
});
