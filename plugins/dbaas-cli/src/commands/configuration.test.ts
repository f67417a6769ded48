import { Instance } from '@dbaas/plugin-dbaas-common';
import { UsageError } from '../settings';
import {
  parametersApplied,
  parametersInput,
  parametersTable,
} from './configuration';

describe('params options', () => {
  it('turns --set and --unset into the PATCH, --unset into null', () => {
    expect(parametersInput()).toBeUndefined();
    expect(
      parametersInput(
        ['max_connections=50', 'long_query_time=0.5'],
        ['statement_timeout'],
      ),
    ).toEqual({
      max_connections: 50,
      long_query_time: 0.5,
      statement_timeout: null,
    });
  });

  it('refuses what is no name=number', () => {
    for (const bad of ['work_mem', 'work_mem=', 'work_mem=lots', '=8']) {
      expect(() => parametersInput([bad])).toThrow(UsageError);
    }
    expect(() => parametersInput(['work_mem=8'], ['work_mem'])).toThrow(
      'work_mem is both set and unset',
    );
  });

  it('knows when the instance has what was asked', () => {
    const instance = {
      parameters: { max_connections: 50 },
    } as unknown as Instance;
    expect(
      parametersApplied(instance, { max_connections: 50, work_mem: null }),
    ).toBe(true);
    expect(parametersApplied(instance, { max_connections: 60 })).toBe(false);
    expect(parametersApplied(instance, { max_connections: null })).toBe(false);
    expect(parametersTable(instance).rows).toEqual([['max_connections', 50]]);
  });
});
