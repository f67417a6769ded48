import { renderInTestApp } from '@backstage/frontend-test-utils';
import { ResponseError } from '@backstage/errors';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { dbaasApiRef } from '../../api';
import { fakeApi, instance, storage } from '../../testUtils/fakeApi';
import { StoragePanel } from './StoragePanel';
import { describeUsage, formatPercent } from './storageText';

const GiB = 1024 ** 3;

async function render(
  overrides: Partial<Instance> = {},
  api = fakeApi(),
  onChanged = jest.fn(),
) {
  await renderInTestApp(
    <StoragePanel
      instance={instance({ storageGiB: 2, storage: storage(), ...overrides })}
      onChanged={onChanged}
    />,
    { apis: [[dbaasApiRef, api]] },
  );
  return { api, onChanged };
}

/** A refusal as the client throws it. */
const refusal = (status: number, name: string, message: string) =>
  ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name, message },
        response: { statusCode: status },
      }),
      {
        status,
        headers: { 'Content-Type': 'application/json' },
      },
    ),
  );

describe('describeUsage', () => {
  it('says how much of how much is used', () => {
    expect(describeUsage(2, storage())).toBe('0.9 of 2 GiB, 45 %');
    expect(
      describeUsage(
        2,
        storage({ usedBytes: 20 * 1024 ** 2, usedPercent: 0.98 }),
      ),
    ).toBe('20 MiB of 2 GiB, 0.9 %');
    expect(
      describeUsage(2, storage({ usedBytes: 2 * GiB, usedPercent: 100 })),
    ).toBe('2 of 2 GiB, 100 %');
    expect(
      describeUsage(2, storage({ usedBytes: null, usedPercent: null })),
    ).toBeUndefined();
    expect(describeUsage(2, undefined)).toBeUndefined();
    expect(formatPercent(79.9)).toBe('79 %');
  });
});

describe('StoragePanel', () => {
  it('shows the use with a bar, and auto-grow', async () => {
    await render({
      storage: storage({ autoGrow: true, maxGiB: null }),
    });

    expect(screen.getByTestId('storage-usage')).toHaveTextContent(
      '0.9 of 2 GiB, 45 %',
    );
    expect(screen.getByTestId('storage-bar-ok')).toHaveAttribute(
      'aria-valuenow',
      '45',
    );
    // the flavor's maximum, from the flavors
    expect(
      await screen.findByText(
        "Auto-grow: On, up to the flavor's maximum (50 GiB)",
      ),
    ).toBeInTheDocument();
    expect(screen.queryByText(/Read-only/)).not.toBeInTheDocument();
  });

  it('colours the bar as a warning from 80 %, and says so when it cannot grow', async () => {
    await render({
      storage: storage({
        usedBytes: 1.7 * GiB,
        usedPercent: 85,
        state: 'warning',
        autoGrow: true,
        maxGiB: 2,
      }),
    });

    expect(screen.getByTestId('storage-bar-warning')).toBeInTheDocument();
    expect(screen.getByText(/Over 80 % used/)).toBeInTheDocument();
    expect(screen.getByText('Auto-grow: On, up to 2 GiB')).toBeInTheDocument();
  });

  it('says plainly that a full database is read-only, in the error colour', async () => {
    await render({
      storage: storage({
        usedBytes: 2 * GiB,
        usedPercent: 100,
        state: 'full',
        readOnly: true,
      }),
    });

    expect(screen.getByText('Read-only: storage is full')).toBeInTheDocument();
    expect(screen.getByTestId('storage-bar-error')).toBeInTheDocument();
    expect(screen.getByText('Auto-grow: Off')).toBeInTheDocument();
  });

  it('says when the use is not measured yet', async () => {
    await render({
      storage: storage({
        usedBytes: null,
        usedPercent: null,
        measuredAt: null,
      }),
    });

    expect(screen.getByTestId('storage-usage')).toHaveTextContent('2 GiB');
    expect(screen.getByText(/Not measured yet/)).toBeInTheDocument();
  });

  it('resizes to a size between the current + 1 and the flavor maximum, sending storageGiB', async () => {
    const { api, onChanged } = await render();

    fireEvent.click(screen.getByRole('button', { name: 'Resize storage' }));
    const dialog = screen.getByRole('dialog');
    const field = within(dialog).getByLabelText('New size (GiB)');
    expect(field).toHaveValue(3);
    expect(field).toHaveAttribute('min', '3');
    await waitFor(() => expect(field).toHaveAttribute('max', '50'));
    const resize = within(dialog).getByRole('button', { name: 'Resize' });

    fireEvent.change(field, { target: { value: '2' } });
    expect(
      within(dialog).getByText('More than the current 2 GiB'),
    ).toBeInTheDocument();
    expect(resize).toBeDisabled();
    fireEvent.change(field, { target: { value: '51' } });
    expect(
      within(dialog).getByText("At most 50 GiB, the flavor's maximum"),
    ).toBeInTheDocument();
    expect(resize).toBeDisabled();

    fireEvent.change(field, { target: { value: '10' } });
    fireEvent.click(resize);

    await waitFor(() =>
      expect(api.updateInstance).toHaveBeenCalledWith('i-1', {
        storageGiB: 10,
      }),
    );
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it("shows the Manager's message when it refuses a resize, and keeps the dialog open", async () => {
    const message =
      'orders-db has a restart under way (asked by user:default/bob); resize it once that is done';
    const api = fakeApi();
    api.updateInstance.mockRejectedValueOnce(
      await refusal(409, 'ConflictError', message),
    );
    const { onChanged } = await render({}, api);

    fireEvent.click(screen.getByRole('button', { name: 'Resize storage' }));
    fireEvent.click(
      within(screen.getByRole('dialog')).getByRole('button', {
        name: 'Resize',
      }),
    );

    expect(await screen.findByText(message)).toBeInTheDocument();
    expect(api.updateInstance).toHaveBeenCalledWith('i-1', { storageGiB: 3 });
    expect(screen.getByRole('dialog')).toBeInTheDocument();
    expect(onChanged).not.toHaveBeenCalled();
  });

  it('offers no resize while the database is stopped or busy, and no action once deleting', async () => {
    const { unmount } = await renderInTestApp(
      <StoragePanel
        instance={instance({ status: 'stopped', storage: storage() })}
        onChanged={jest.fn()}
      />,
      { apis: [[dbaasApiRef, fakeApi()]] },
    );
    expect(
      screen.getByRole('button', { name: 'Resize storage' }),
    ).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Auto-grow' })).toBeEnabled();
    unmount();

    await render({ status: 'deleting' });
    expect(
      screen.queryByRole('button', { name: 'Resize storage' }),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Auto-grow' }),
    ).not.toBeInTheDocument();
  });

  it('turns auto-grow on up to a maximum, and back to the flavor maximum', async () => {
    const { api, onChanged } = await render();

    fireEvent.click(screen.getByRole('button', { name: 'Auto-grow' }));
    let dialog = screen.getByRole('dialog');
    fireEvent.click(
      within(dialog).getByRole('checkbox', {
        name: 'Grow storage automatically',
      }),
    );
    fireEvent.change(within(dialog).getByLabelText('Grow up to (GiB)'), {
      target: { value: '20' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));

    await waitFor(() =>
      expect(api.updateInstance).toHaveBeenCalledWith('i-1', {
        storage: { autoGrow: true, maxGiB: 20 },
      }),
    );
    await waitFor(() => expect(onChanged).toHaveBeenCalled());

    fireEvent.click(screen.getByRole('button', { name: 'Auto-grow' }));
    dialog = screen.getByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(api.updateInstance).toHaveBeenLastCalledWith('i-1', {
        storage: { autoGrow: false, maxGiB: null },
      }),
    );
  });

  it("shows the Manager's message when it refuses the auto-grow settings", async () => {
    const message =
      "storage.maxGiB: must be between the instance's 2 GiB and flavor postgresql-17-small's maximum of 50 GiB (got 60)";
    const api = fakeApi({
      // without the flavors the dialog leaves the bounds to the Manager
      listFlavors: jest.fn(async () => {
        throw new Error('unreachable');
      }),
    });
    api.updateInstance.mockRejectedValueOnce(
      await refusal(400, 'InputError', message),
    );
    await render({}, api);

    fireEvent.click(screen.getByRole('button', { name: 'Auto-grow' }));
    const dialog = screen.getByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Grow up to (GiB)'), {
      target: { value: '60' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));

    expect(await within(dialog).findByText(message)).toBeInTheDocument();
  });
});
