import { useApi } from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { Instance, InstanceEvent } from '@dbaas/plugin-dbaas-common';
import { useCallback, useEffect, useState } from 'react';
import { dbaasApiRef } from '../api';

const BUSY_POLL_MS = 2000;
const IDLE_POLL_MS = 15000;

export interface InstanceState {
  instance?: Instance;
  events: InstanceEvent[];
  /** The instance does not exist (any more), or may not be seen. */
  gone: boolean;
  error?: Error;
  loading: boolean;
  refresh: () => Promise<void>;
}

/**
 * An instance and its timeline, refreshed every 2 s while it is changing (provisioning,
 * recovering, deleting, or a day-2 operation under way, which its status does not show), else
 * every 15 s.
 */
export function useInstance(id: string): InstanceState {
  const api = useApi(dbaasApiRef);
  const [state, setState] = useState<Omit<InstanceState, 'refresh'>>({
    events: [],
    gone: false,
    loading: true,
  });

  const refresh = useCallback(async () => {
    try {
      const [instance, events] = await Promise.all([
        api.getInstance(id),
        api.listEvents(id),
      ]);
      setState({ instance, events, gone: false, loading: false });
    } catch (error) {
      if (error instanceof ResponseError && error.statusCode === 404) {
        setState(s => ({
          ...s,
          instance: undefined,
          gone: true,
          loading: false,
        }));
      } else {
        setState(s => ({ ...s, error: error as Error, loading: false }));
      }
    }
  }, [api, id]);

  const busy =
    ['provisioning', 'recovering', 'deleting'].includes(
      state.instance?.status ?? '',
    ) || !!state.instance?.operation;
  useEffect(() => {
    if (state.gone) return undefined;
    refresh();
    const timer = setInterval(refresh, busy ? BUSY_POLL_MS : IDLE_POLL_MS);
    return () => clearInterval(timer);
  }, [refresh, busy, state.gone]);

  return { ...state, refresh };
}
