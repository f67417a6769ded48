import { Instance } from '@dbaas/plugin-dbaas-common';
import { UsageError } from '../settings';
import {
  autoGrowText,
  parseGiB,
  storagePolicyInput,
  storageTable,
  usedPercent,
} from './storage';

const instance = (storage?: Partial<Instance['storage']>): Instance =>
  ({
    id: 'i-1',
    name: 'orders-db',
    storageGiB: 2,
    storage: storage && {
      autoGrow: false,
      maxGiB: null,
      usedBytes: 0.9 * 1024 ** 3,
      usedPercent: 45.6,
      measuredAt: '2026-11-26T10:00:00.000Z',
      state: 'ok',
      readOnly: false,
      ...storage,
    },
  } as Instance);

describe('storage options', () => {
  it('turns --auto-grow and --max into the PATCH, --max flavor into null', () => {
    expect(storagePolicyInput({})).toBeUndefined();
    expect(storagePolicyInput({ autoGrow: 'on' })).toEqual({ autoGrow: true });
    expect(storagePolicyInput({ autoGrow: 'off', max: '20' })).toEqual({
      autoGrow: false,
      maxGiB: 20,
    });
    expect(storagePolicyInput({ max: 'flavor' })).toEqual({ maxGiB: null });
  });

  it('takes only whole GiB', () => {
    expect(parseGiB('--storage', '10')).toBe(10);
    for (const bad of ['', '1.5', 'ten', '0', '-1']) {
      expect(() => parseGiB('--storage', bad)).toThrow(
        new UsageError('--storage must be a whole number of GiB'),
      );
    }
    expect(() => storagePolicyInput({ max: 'lots' })).toThrow(
      '--max must be a whole number of GiB',
    );
  });
});

describe('storage output', () => {
  it('shows size, used, percent, state, read-only and auto-grow', () => {
    expect(storageTable(instance({})).rows).toEqual([
      ['orders-db', '2 GiB', '0.9 GiB', '45%', 'ok', 'no', 'off'],
    ]);
    expect(
      storageTable(
        instance({
          usedBytes: 2 * 1024 ** 3,
          usedPercent: 100,
          state: 'full',
          readOnly: true,
          autoGrow: true,
          maxGiB: 2,
        }),
      ).rows[0].slice(1),
    ).toEqual(['2 GiB', '2 GiB', '100%', 'full', 'yes', 'on, up to 2 GiB']);
  });

  it('shows "-" until measured, and for a Manager without storage', () => {
    const unmeasured = instance({
      usedBytes: null,
      usedPercent: null,
      autoGrow: true,
    });
    expect(usedPercent(unmeasured)).toBe('-');
    expect(autoGrowText(unmeasured)).toBe("on, up to the flavor's max");
    expect(usedPercent(instance())).toBe('-');
    expect(autoGrowText(instance())).toBe('-');
  });
});
