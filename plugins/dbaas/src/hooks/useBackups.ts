import { useApi } from '@backstage/frontend-plugin-api';
import { Backup, RecoveryWindow } from '@dbaas/plugin-dbaas-common';
import { useCallback, useEffect, useState } from 'react';
import { dbaasApiRef } from '../api';

const BUSY_POLL_MS = 2000;

export interface BackupsState {
  backups: Backup[];
  window?: RecoveryWindow;
  error?: Error;
  loading: boolean;
  refresh: () => Promise<void>;
}

/** An instance's backups and recovery window, refreshed every 2 s while a backup is running. */
export function useBackups(id: string): BackupsState {
  const api = useApi(dbaasApiRef);
  const [state, setState] = useState<Omit<BackupsState, 'refresh'>>({
    backups: [],
    loading: true,
  });

  const refresh = useCallback(async () => {
    try {
      const [backups, window] = await Promise.all([
        api.listBackups(id),
        api.getRecoveryWindow(id),
      ]);
      setState({ backups, window, loading: false });
    } catch (error) {
      setState(s => ({ ...s, error: error as Error, loading: false }));
    }
  }, [api, id]);

  useEffect(() => {
    refresh();
  }, [refresh]);

  const busy = state.backups.some(b => b.status === 'running');
  useEffect(() => {
    if (!busy) return undefined;
    const timer = setInterval(refresh, BUSY_POLL_MS);
    return () => clearInterval(timer);
  }, [refresh, busy]);

  return { ...state, refresh };
}
