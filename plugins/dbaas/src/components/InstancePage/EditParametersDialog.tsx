import { useApi } from '@backstage/frontend-plugin-api';
import { Instance } from '@dbaas/plugin-dbaas-common';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  TextField,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { useState } from 'react';
import { dbaasApiRef } from '../../api';
import { apiErrorMessage } from '../BackupsTab/apiErrorMessage';
import { NextWindowOption } from './NextWindowOption';
import {
  PARAMETER_RULES,
  parameterProblem,
  parametersPatch,
} from './parameterRules';

/**
 * The engine's allow-list with the values set now; an emptied field goes back to the default
 * (sent as null). Only what changed is sent; the Manager's refusal (400 naming the parameter and
 * its range, 409 while busy) shows in the dialog.
 */
export const EditParametersDialog = (props: {
  instance: Instance;
  onClose: () => void;
  onSaved: (instance: Instance) => void;
}) => {
  const { instance } = props;
  const api = useApi(dbaasApiRef);
  const rules = PARAMETER_RULES[instance.engine] ?? [];
  const current = instance.parameters ?? {};
  const [typed, setTyped] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      rules.map(r => [
        r.name,
        current[r.name] === undefined ? '' : String(current[r.name]),
      ]),
    ),
  );
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [nextWindow, setNextWindow] = useState(false);
  const applyAt =
    nextWindow && instance.maintenanceWindow
      ? { applyAt: 'next-window' as const }
      : {};
  const patch = parametersPatch(current, typed);
  const invalid = rules.some(r => parameterProblem(r, typed[r.name] ?? ''));

  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      props.onSaved(
        await api.updateInstance(instance.id, {
          parameters: patch,
          ...applyAt,
        }),
      );
    } catch (e) {
      setError(apiErrorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open onClose={props.onClose} fullWidth maxWidth="sm">
      <DialogTitle>Server parameters of {instance.name}</DialogTitle>
      <DialogContent>
        <DialogContentText>
          Leave a field empty for the default. The Manager applies them in the
          background with a reload
          {rules.some(r => r.restart)
            ? ', or a restart for the ones marked so'
            : ''}
          .
        </DialogContentText>
        {rules.map(rule => {
          const problem = parameterProblem(rule, typed[rule.name] ?? '');
          return (
            <TextField
              key={rule.name}
              fullWidth
              margin="dense"
              type="number"
              id={`parameter-${rule.name}`}
              label={`${rule.name} (${rule.unit})`}
              placeholder="default"
              InputLabelProps={{ shrink: true }}
              value={typed[rule.name] ?? ''}
              onChange={e =>
                setTyped(t => ({ ...t, [rule.name]: e.target.value }))
              }
              inputProps={{
                min: rule.min,
                max: rule.max,
                step: rule.integer ? 1 : 'any',
              }}
              error={!!problem}
              helperText={
                problem ??
                `${rule.min} to ${rule.max} ${rule.unit}${
                  rule.restart ? '; restarts the server' : ''
                }`
              }
            />
          );
        })}
        <NextWindowOption
          instance={instance}
          checked={nextWindow}
          onChange={setNextWindow}
        />
        {error && <Alert severity="error">{error}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={busy || invalid || Object.keys(patch).length === 0}
          onClick={save}
        >
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
};
