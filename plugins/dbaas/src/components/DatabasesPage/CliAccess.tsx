import { CopyTextButton } from '@backstage/core-components';
import {
  discoveryApiRef,
  identityApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import {
  Box,
  BoxProps,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Typography,
} from '@material-ui/core';
import CodeIcon from '@material-ui/icons/Code';
import { Alert } from '@material-ui/lab';
import { ReactNode, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';

/** The backend's base URL, as `dbaas login --url` wants it: the Manager's URL without `/api/dbaas`. */
export function backendBaseUrl(dbaasBaseUrl: string): string {
  return dbaasBaseUrl.replace(/\/+$/, '').replace(/\/api\/dbaas$/, '');
}

/** When a Backstage user token (a JWT) expires, if it says. */
export function tokenExpiry(token: string): Date | undefined {
  try {
    const payload = token.split('.')[1];
    const json = JSON.parse(
      atob(payload.replace(/-/g, '+').replace(/_/g, '/')),
    );
    return typeof json.exp === 'number' ? new Date(json.exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}

const mono = { fontFamily: 'monospace', wordBreak: 'break-all' } as const;

/** A row set off on the page's background, where a command or the token is shown. */
const Well = (props: BoxProps) => (
  <Box
    display="flex"
    alignItems="center"
    bgcolor="background.default"
    px={2}
    py={1}
    mb={2}
    borderRadius={4}
    {...props}
  />
);

const Code = ({ children }: { children: ReactNode }) => (
  <code style={{ fontFamily: 'monospace' }}>{children}</code>
);

const CliAccessContent = () => {
  const discoveryApi = useApi(discoveryApiRef);
  const identityApi = useApi(identityApiRef);
  const [revealed, setRevealed] = useState(false);
  const { value, error } = useAsync(async () => {
    const [baseUrl, credentials] = await Promise.all([
      discoveryApi.getBaseUrl('dbaas'),
      identityApi.getCredentials(),
    ]);
    return { url: backendBaseUrl(baseUrl), token: credentials.token };
  }, [discoveryApi, identityApi]);

  const command = value ? `dbaas login --url ${value.url}` : '';
  const token = value?.token;
  const expires = token ? tokenExpiry(token) : undefined;

  return (
    <DialogContent>
      {error && (
        <Alert severity="error">
          Could not prepare the CLI login: {error.message}
        </Alert>
      )}
      <Typography variant="body2" gutterBottom>
        Sign the <Code>dbaas</Code> command line in as yourself. Run:
      </Typography>
      <Well justifyContent="space-between">
        <Typography
          variant="body2"
          style={mono}
          data-testid="dbaas-cli-login-command"
        >
          {command || '…'}
        </Typography>
        {command && (
          <CopyTextButton text={command} aria-label="Copy the command" />
        )}
      </Well>
      <Typography variant="body2" gutterBottom>
        Then give it your token:
      </Typography>
      <Well>
        {value && !token ? (
          <Typography variant="body2" color="error">
            Your session carries no Backstage token: sign in to the portal with
            an identity to use the CLI.
          </Typography>
        ) : (
          <>
            <Box flexGrow={1} minWidth={0}>
              {revealed && token ? (
                <Typography
                  variant="body2"
                  style={mono}
                  data-testid="dbaas-cli-token"
                >
                  {token}
                </Typography>
              ) : (
                <Typography variant="body2" style={mono}>
                  ••••••••••••••••••••
                </Typography>
              )}
            </Box>
            <Button
              size="small"
              color="primary"
              disabled={!token}
              onClick={() => setRevealed(!revealed)}
            >
              {revealed ? 'Hide' : 'Reveal'}
            </Button>
            {token && (
              <CopyTextButton text={token} aria-label="Copy your token" />
            )}
          </>
        )}
      </Well>
      <Typography variant="body2" gutterBottom>
        Paste it when <Code>dbaas login</Code> asks. It is your own identity:
        the CLI can do exactly what you can in the portal, and it expires like
        your session (about an hour); run <Code>dbaas login</Code> again then.
      </Typography>
      {expires && (
        <Typography variant="caption" color="textSecondary">
          This token expires at {expires.toLocaleTimeString()}.
        </Typography>
      )}
    </DialogContent>
  );
};

/**
 * How to sign the `dbaas` CLI in as yourself: the `dbaas login` command for this portal and
 * the user's own Backstage token, hidden until Reveal. The token is never logged.
 */
export const CliAccessDialog = ({
  open,
  onClose,
}: {
  open: boolean;
  onClose: () => void;
}) => (
  <Dialog
    open={open}
    onClose={onClose}
    maxWidth="sm"
    fullWidth
    aria-labelledby="dbaas-cli-access-title"
  >
    <DialogTitle id="dbaas-cli-access-title">CLI access</DialogTitle>
    {/* mounted only while open: the token is read afresh and hidden again each time */}
    <CliAccessContent />
    <DialogActions>
      <Button onClick={onClose}>Close</Button>
    </DialogActions>
  </Dialog>
);

/** The Databases page's "CLI access" button and its dialog. */
export const CliAccessButton = () => {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button
        variant="outlined"
        color="primary"
        startIcon={<CodeIcon />}
        onClick={() => setOpen(true)}
        style={{ marginLeft: 8 }}
      >
        CLI access
      </Button>
      <CliAccessDialog open={open} onClose={() => setOpen(false)} />
    </>
  );
};
