import { InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { Instance } from '@dbaas/plugin-dbaas-common';
import {
  Box,
  Button,
  FormControlLabel,
  Switch,
  TextField,
} from '@material-ui/core';
import { makeStyles } from '@material-ui/core/styles';
import { Alert } from '@material-ui/lab';
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import { dbaasApiRef } from '../../api';
import { apiErrorMessage } from '../BackupsTab/apiErrorMessage';

const useStyles = makeStyles(theme => ({
  logs: {
    margin: 0,
    padding: theme.spacing(1.5),
    maxHeight: 480,
    overflow: 'auto',
    fontFamily: 'monospace',
    fontSize: 12,
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-all',
    background: theme.palette.background.default,
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
  },
}));

const FOLLOW_POLL_MS = 2000;
export const TAIL_CHOICES = [100, 200, 1000] as const;

/**
 * The database server's last log lines; with Follow, refreshed every 2 s and kept scrolled to
 * the end.
 */
export const LogsTab = ({ instance }: { instance: Instance }) => {
  const classes = useStyles();
  const api = useApi(dbaasApiRef);
  const [tail, setTail] = useState<number>(200);
  const [follow, setFollow] = useState(false);
  const [text, setText] = useState<string>();
  const [error, setError] = useState<string>();
  const box = useRef<HTMLPreElement>(null);
  // scrolled to the end on the first answer, and on every answer while following
  const stickToEnd = useRef(true);

  const load = useCallback(async () => {
    try {
      setText(await api.getLogs(instance.id, tail));
      setError(undefined);
    } catch (e) {
      setError(`Could not read the logs: ${apiErrorMessage(e)}`);
    }
  }, [api, instance.id, tail]);

  useEffect(() => {
    stickToEnd.current = true;
    load();
  }, [load]);

  useEffect(() => {
    if (!follow) return undefined;
    stickToEnd.current = true;
    const timer = setInterval(load, FOLLOW_POLL_MS);
    return () => clearInterval(timer);
  }, [follow, load]);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el || text === undefined || !stickToEnd.current) return;
    el.scrollTop = el.scrollHeight;
    stickToEnd.current = follow;
  }, [text, follow]);

  return (
    <InfoCard title="Logs" subheader={`The server's last ${tail} lines`}>
      <Box display="flex" alignItems="center" mb={2} style={{ gap: 16 }}>
        <FormControlLabel
          control={
            <Switch
              checked={follow}
              onChange={(_e, checked) => setFollow(checked)}
              color="primary"
            />
          }
          label="Follow"
        />
        <TextField
          select
          id="dbaas-logs-tail"
          label="Lines"
          value={tail}
          onChange={e => setTail(Number(e.target.value))}
          SelectProps={{ native: true }}
          size="small"
          variant="outlined"
        >
          {TAIL_CHOICES.map(n => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </TextField>
        {!follow && (
          <Button size="small" onClick={load}>
            Refresh
          </Button>
        )}
      </Box>
      {error && (
        <Box mb={2}>
          <Alert severity="error">{error}</Alert>
        </Box>
      )}
      {text === undefined && !error ? (
        <Progress />
      ) : (
        <pre ref={box} data-testid="dbaas-logs" className={classes.logs}>
          {text ||
            (instance.status === 'running' ? '(no lines yet)' : '(no lines)')}
        </pre>
      )}
    </InfoCard>
  );
};
