import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Instance,
  MetricsResponse,
  MetricsSample,
} from '@dbaas/plugin-dbaas-common';
import { Box, Grid, Typography } from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { useCallback, useEffect, useState } from 'react';
import { dbaasApiRef } from '../../api';
import { formatBytes } from '../BackupsTab/formatBytes';
import { utcText } from './maintenanceText';
import { MetricChart } from './MetricChart';

const METRICS_POLL_MS = 30_000;
const HOURS = 24;

/** A duration for people: 90061 → "1 d 1 h", 3700 → "1 h 1 min", 42 → "42 s". */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  const parts: [number, string][] = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'min'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n} ${unit}`)
    .join(' ');
}

const formatNumber = (n: number) =>
  Number.isInteger(n) ? String(n) : String(Number(n.toFixed(2)));

/**
 * What the Manager sampled of the database in the last 24 h (what the server's files take on
 * its storage, the application database's size, connections, transactions/s) and its uptime at
 * the latest sample; refreshed every 30 s.
 */
export const MetricsTab = ({ instance }: { instance: Instance }) => {
  const api = useApi(dbaasApiRef);
  const [samples, setSamples] = useState<MetricsSample[]>();
  const [lastError, setLastError] =
    useState<MetricsResponse['lastError']>(null);
  const [error, setError] = useState<Error>();

  const load = useCallback(async () => {
    try {
      const report = await api.getMetricsReport(instance.id, HOURS);
      setSamples(report.items);
      setLastError(report.lastError);
      setError(undefined);
    } catch (e) {
      setError(e as Error);
    }
  }, [api, instance.id]);

  useEffect(() => {
    load();
    const timer = setInterval(load, METRICS_POLL_MS);
    return () => clearInterval(timer);
  }, [load]);

  if (!samples) {
    return error ? <ResponseErrorPanel error={error} /> : <Progress />;
  }
  const lastErrorAlert = lastError && (
    <Alert severity="warning" data-testid="metrics-last-error">
      Last error {utcText(lastError.at)}
      {lastError.code ? ` (${lastError.code})` : ''}: {lastError.message}
    </Alert>
  );
  if (samples.length === 0) {
    return (
      <InfoCard title="Metrics">
        {lastErrorAlert && <Box mb={2}>{lastErrorAlert}</Box>}
        <Typography variant="body2">
          No samples yet: the Manager samples a running database every
          reconcile.
        </Typography>
      </InfoCard>
    );
  }

  const series = (value: (s: MetricsSample) => number | null) =>
    samples.map(s => ({ at: Date.parse(s.at), value: value(s) }));
  const latest = samples[samples.length - 1];

  return (
    <Grid container spacing={3}>
      {lastErrorAlert && (
        <Grid item xs={12}>
          {lastErrorAlert}
        </Grid>
      )}
      {error && (
        <Grid item xs={12}>
          <ResponseErrorPanel error={error} />
        </Grid>
      )}
      <Grid item xs={12} md={6} lg={4}>
        <MetricChart
          title="Storage used"
          points={series(s => s.usedBytes ?? null)}
          format={formatBytes}
        />
      </Grid>
      <Grid item xs={12} md={6} lg={4}>
        <MetricChart
          title="Database size"
          points={series(s => s.sizeBytes)}
          format={formatBytes}
        />
      </Grid>
      <Grid item xs={12} md={6} lg={4}>
        <MetricChart
          title="Connections"
          points={series(s => s.connections)}
          format={formatNumber}
          fromZero
        />
      </Grid>
      <Grid item xs={12} md={6} lg={4}>
        <MetricChart
          title="Transactions/s"
          points={series(s => s.transactionsPerSecond)}
          format={formatNumber}
          fromZero
        />
      </Grid>
      <Grid item xs={12} md={6} lg={4}>
        <InfoCard title="Uptime">
          <Typography
            variant="h4"
            component="p"
            data-testid="metric-latest-Uptime"
          >
            {formatUptime(latest.uptimeSeconds)}
          </Typography>
          <Typography variant="caption" color="textSecondary">
            at the latest sample, {new Date(latest.at).toLocaleString()}
          </Typography>
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <Box>
          <Typography variant="caption" color="textSecondary">
            {samples.length} samples over the last {HOURS} h, from{' '}
            {new Date(samples[0].at).toLocaleString()}; sampled while the
            database runs and is healthy.
          </Typography>
        </Box>
      </Grid>
    </Grid>
  );
};
