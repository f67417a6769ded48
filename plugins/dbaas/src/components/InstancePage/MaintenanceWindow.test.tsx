import { renderInTestApp } from '@backstage/frontend-test-utils';
import { ResponseError } from '@backstage/errors';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { dbaasApiRef } from '../../api';
import { fakeApi, flavors, instance } from '../../testUtils/fakeApi';
import { ConfigurationPanel } from './ConfigurationPanel';
import {
  maintenanceWindowText,
  scheduledOperationTitle,
  utcText,
} from './maintenanceText';
import { OperationButtons } from './OperationButtons';

const sundays = { day: 'sunday' as const, hour: 3, durationHours: 2 };
const larger = { ...flavors[0], id: 'postgresql-17-large', cpu: 4 };

function setup(overrides: Partial<Instance> = {}) {
  const api = fakeApi({
    listFlavors: jest.fn(async () => [
      { ...flavors[0], image: 'dbaas/postgresql:17.2' },
      larger,
    ]),
  });
  const act = jest.fn((_what: string, fn: () => Promise<unknown>) => {
    fn();
  });
  const onChanged = jest.fn();
  const subject = instance({ image: 'dbaas/postgresql:17', ...overrides });
  return { api, act, onChanged, subject };
}

async function renderPanel(overrides: Partial<Instance> = {}) {
  const ctx = setup(overrides);
  await renderInTestApp(
    <ConfigurationPanel
      instance={ctx.subject}
      act={ctx.act}
      onChanged={ctx.onChanged}
    />,
    { apis: [[dbaasApiRef, ctx.api]] },
  );
  await screen.findByText(/\(\d+ CPU, \d+ MiB\)/);
  return ctx;
}

const refusal = (status: number, message: string) =>
  ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name: 'ConflictError', message },
        response: { statusCode: status },
      }),
      { status, headers: { 'Content-Type': 'application/json' } },
    ),
  );

describe('maintenance texts', () => {
  it('says the window in UTC, across midnight too', () => {
    expect(maintenanceWindowText(sundays)).toBe('Sundays 03:00–05:00 UTC');
    expect(
      maintenanceWindowText({ day: 'daily', hour: 23, durationHours: 2 }),
    ).toBe('Daily 23:00–01:00 UTC');
    expect(maintenanceWindowText(null)).toBe('None');
    expect(maintenanceWindowText(undefined)).toBe('None');
    expect(utcText('2026-03-08T03:00:00.000Z')).toBe('2026-03-08 03:00 UTC');
  });

  it('names what waits', () => {
    const op = (type: any, target?: string) =>
      scheduledOperationTitle({
        operation: {
          type,
          target,
          requestedBy: 'user:default/alice',
          requestedAt: '2026-03-01T10:00:00.000Z',
        },
        nextWindowAt: '2026-03-08T03:00:00.000Z',
      });
    expect(op('restart')).toBe('Restart');
    expect(op('upgrade')).toBe('Upgrade');
    expect(op('change-flavor', 'postgresql-17-large')).toBe(
      'Flavor change to postgresql-17-large',
    );
    expect(op('set-parameters')).toBe('Parameter change');
  });
});

describe('maintenance window in the Configuration card', () => {
  it('says None and sets a window with the day, hour and duration', async () => {
    const { api, onChanged } = await renderPanel();
    expect(screen.getByTestId('maintenance-window')).toHaveTextContent(
      'Maintenance window: None',
    );

    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    const dialog = screen.getByRole('dialog');
    // nothing to remove yet
    expect(within(dialog).queryByRole('button', { name: 'Remove' })).toBeNull();
    fireEvent.mouseDown(within(dialog).getByLabelText('Day'));
    const days = screen.getAllByRole('option');
    expect(days.map(o => o.textContent)).toEqual([
      'Daily',
      'Mondays',
      'Tuesdays',
      'Wednesdays',
      'Thursdays',
      'Fridays',
      'Saturdays',
      'Sundays',
    ]);
    fireEvent.click(screen.getByRole('option', { name: 'Daily' }));
    fireEvent.mouseDown(within(dialog).getByLabelText('Opens at (UTC)'));
    fireEvent.click(screen.getByRole('option', { name: '22:00' }));
    fireEvent.mouseDown(within(dialog).getByLabelText('Open for'));
    fireEvent.click(screen.getByRole('option', { name: '4 hours' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));

    await waitFor(() =>
      expect(api.updateInstance).toHaveBeenCalledWith('i-1', {
        maintenanceWindow: { day: 'daily', hour: 22, durationHours: 4 },
      }),
    );
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
  });

  it("removes the window, and shows the Manager's refusal", async () => {
    const { api, onChanged } = await renderPanel({
      maintenanceWindow: sundays,
    });
    expect(screen.getByTestId('maintenance-window')).toHaveTextContent(
      'Maintenance window: Sundays 03:00–05:00 UTC',
    );
    const message =
      'maintenanceWindow: a restart waits for it; cancel the scheduled operation first';
    api.updateInstance.mockRejectedValueOnce(await refusal(409, message));

    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    const dialog = screen.getByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove' }));
    expect(await within(dialog).findByText(message)).toBeInTheDocument();
    expect(api.updateInstance).toHaveBeenCalledWith('i-1', {
      maintenanceWindow: null,
    });
    expect(onChanged).not.toHaveBeenCalled();

    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
  });

  it('shows the scheduled operation with Cancel', async () => {
    const { api, act } = await renderPanel({
      maintenanceWindow: sundays,
      scheduledOperation: {
        operation: {
          type: 'restart',
          requestedBy: 'user:default/alice',
          requestedAt: '2026-03-01T10:00:00.000Z',
        },
        nextWindowAt: '2026-03-08T03:00:00.000Z',
      },
    });
    expect(
      screen.getByText(
        'Restart scheduled for the maintenance window opening 2026-03-08 03:00 UTC',
      ),
    ).toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(act).toHaveBeenCalledWith(
      'cancel the scheduled operation',
      expect.any(Function),
    );
    expect(api.cancelScheduledOperation).toHaveBeenCalledWith('i-1');
  });

  it('offers the next window for the upgrade, the flavor and the parameters only with a window', async () => {
    const { api } = await renderPanel({ maintenanceWindow: sundays });

    fireEvent.click(screen.getByRole('button', { name: 'Upgrade' }));
    let dialog = screen.getByRole('dialog');
    fireEvent.click(
      within(dialog).getByLabelText(
        'At the next maintenance window (Sundays 03:00–05:00 UTC)',
      ),
    );
    fireEvent.click(within(dialog).getByRole('button', { name: 'Upgrade' }));
    expect(api.upgradeInstance).toHaveBeenCalledWith('i-1', {
      applyAt: 'next-window',
    });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    fireEvent.click(screen.getByRole('button', { name: 'Change flavor' }));
    dialog = await screen.findByRole('dialog');
    fireEvent.click(
      within(dialog).getByLabelText(/At the next maintenance window/),
    );
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Change flavor' }),
    );
    await waitFor(() =>
      expect(api.updateInstance).toHaveBeenCalledWith('i-1', {
        flavorId: 'postgresql-17-large',
        applyAt: 'next-window',
      }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    fireEvent.click(screen.getByRole('button', { name: 'Edit parameters' }));
    dialog = screen.getByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('work_mem (MB)'), {
      target: { value: '8' },
    });
    fireEvent.click(
      within(dialog).getByLabelText(/At the next maintenance window/),
    );
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(api.updateInstance).toHaveBeenCalledWith('i-1', {
        parameters: { work_mem: 8 },
        applyAt: 'next-window',
      }),
    );
  });

  it('does not offer the next window without one', async () => {
    const { api } = await renderPanel();

    fireEvent.click(screen.getByRole('button', { name: 'Upgrade' }));
    const dialog = screen.getByRole('dialog');
    expect(
      within(dialog).queryByLabelText(/At the next maintenance window/),
    ).toBeNull();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Upgrade' }));
    expect(api.upgradeInstance).toHaveBeenCalledWith('i-1');
  });
});

describe('restart at the next maintenance window', () => {
  async function renderButtons(overrides: Partial<Instance>) {
    const ctx = setup(overrides);
    await renderInTestApp(
      <OperationButtons instance={ctx.subject} act={ctx.act} />,
      { apis: [[dbaasApiRef, ctx.api]] },
    );
    return ctx;
  }

  it('schedules the restart when asked', async () => {
    const { api } = await renderButtons({ maintenanceWindow: sundays });
    fireEvent.click(screen.getByRole('button', { name: 'Restart' }));
    const dialog = screen.getByRole('dialog');
    fireEvent.click(
      within(dialog).getByLabelText(
        'At the next maintenance window (Sundays 03:00–05:00 UTC)',
      ),
    );
    fireEvent.click(within(dialog).getByRole('button', { name: 'Restart' }));
    expect(api.restartInstance).toHaveBeenCalledWith('i-1', {
      applyAt: 'next-window',
    });
  });

  it('restarts now without a window, or when one waits already', async () => {
    const { api } = await renderButtons({
      maintenanceWindow: sundays,
      scheduledOperation: {
        operation: {
          type: 'upgrade',
          requestedBy: 'user:default/alice',
          requestedAt: '2026-03-01T10:00:00.000Z',
        },
        nextWindowAt: '2026-03-08T03:00:00.000Z',
      },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Restart' }));
    const dialog = screen.getByRole('dialog');
    expect(
      within(dialog).queryByLabelText(/At the next maintenance window/),
    ).toBeNull();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Restart' }));
    expect(api.restartInstance).toHaveBeenCalledWith('i-1');
  });
});
