import { CopyTextButton, InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { Box, Button, Link, Typography } from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { useState } from 'react';
import { dbaasApiRef } from '../../api';
import { caFileName, connectionStrings } from './connectionStrings';
import { RotateCredentialsButton } from './RotateCredentialsButton';

const Row = (props: {
  label: string;
  value: string | number;
  copy?: boolean;
}) => (
  <Box display="flex" alignItems="center" mb={1}>
    <Typography variant="body2" style={{ width: 90, fontWeight: 600 }}>
      {props.label}
    </Typography>
    <Typography
      variant="body2"
      style={{ fontFamily: 'monospace', wordBreak: 'break-all' }}
    >
      {props.value}
    </Typography>
    {props.copy !== false && <CopyTextButton text={String(props.value)} />}
  </Box>
);

/**
 * Where and how to connect, verifying the server with the instance's CA (downloadable); the
 * password only on Reveal (its own permission, audited), and a new one on Rotate credentials.
 */
export const ConnectionPanel = ({
  instance,
  act,
}: {
  instance: Instance;
  /** Runs the call, refreshes the page, and shows the Manager's message if it refused. */
  act: (what: string, fn: () => Promise<unknown>) => void;
}) => {
  const api = useApi(dbaasApiRef);
  const [password, setPassword] = useState<string>();
  const [error, setError] = useState<string>();
  const endpoint = instance.endpoint;

  if (!endpoint) {
    return (
      <InfoCard title="Connection">
        <Typography variant="body2">
          The connection details appear once the database is running.
        </Typography>
      </InfoCard>
    );
  }

  const caFile = caFileName(instance.name);
  const downloadCa = async () => {
    setError(undefined);
    try {
      const pem = await api.getCaCertificate(instance.id);
      const url = URL.createObjectURL(
        new Blob([pem], { type: 'application/x-pem-file' }),
      );
      const a = document.createElement('a');
      a.href = url;
      a.download = caFile;
      a.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      setError(
        `Could not download the CA certificate: ${(e as Error).message}`,
      );
    }
  };

  const reveal = async () => {
    setError(undefined);
    try {
      setPassword((await api.getCredentials(instance.id)).password);
    } catch (e) {
      setError(
        e instanceof ResponseError && e.statusCode === 403
          ? "You may not read this database's password: ask one of its owners."
          : `Could not read the password: ${(e as Error).message}`,
      );
    }
  };

  return (
    <InfoCard title="Connection">
      <Row label="Host" value={endpoint.host} />
      <Row label="Port" value={endpoint.port} />
      <Row label="Database" value={endpoint.database} />
      <Row label="User" value={endpoint.user} />
      <Box display="flex" alignItems="center" mb={2}>
        <Typography
          variant="body2"
          style={{ width: 90, minWidth: 90, fontWeight: 600 }}
        >
          Password
        </Typography>
        {password ? (
          <>
            <Typography
              variant="body2"
              style={{ fontFamily: 'monospace', wordBreak: 'break-all' }}
              data-testid="dbaas-password"
            >
              {password}
            </Typography>
            <CopyTextButton text={password} />
            <Button size="small" onClick={() => setPassword(undefined)}>
              Hide
            </Button>
          </>
        ) : (
          <>
            <Typography variant="body2" style={{ fontFamily: 'monospace' }}>
              ••••••••••••
            </Typography>
            <Button size="small" color="primary" onClick={reveal}>
              Reveal
            </Button>
          </>
        )}
      </Box>
      <Box mt={-1} mb={2} ml="90px">
        <RotateCredentialsButton
          instance={instance}
          act={act}
          onRotate={() => setPassword(undefined)}
        />
      </Box>
      {error && <Alert severity="error">{error}</Alert>}
      {connectionStrings(instance.engine, endpoint, caFile).map(c => (
        <Row key={c.label} label={c.label} value={c.value} />
      ))}
      <Typography variant="body2">
        Connections use TLS: clients verify the server with its CA certificate.{' '}
        <Link component="button" variant="body2" onClick={downloadCa}>
          Download CA certificate
        </Link>{' '}
        ({caFile})
      </Typography>
    </InfoCard>
  );
};
