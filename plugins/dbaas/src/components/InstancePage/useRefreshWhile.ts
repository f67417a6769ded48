import { useEffect } from 'react';

const OPERATION_POLL_MS = 2000;

/**
 * Refreshes every 2 s while `busy` (a day-2 operation is under way), as `useInstance` does
 * while the instance is provisioning or deleting: its status does not say so.
 */
export function useRefreshWhile(busy: boolean, refresh: () => Promise<void>) {
  useEffect(() => {
    if (!busy) return undefined;
    const timer = setInterval(refresh, OPERATION_POLL_MS);
    return () => clearInterval(timer);
  }, [busy, refresh]);
}
