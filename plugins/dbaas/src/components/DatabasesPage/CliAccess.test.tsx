import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import {
  discoveryApiRef,
  identityApiRef,
} from '@backstage/frontend-plugin-api';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { dbaasApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import { fakeApi } from '../../testUtils/fakeApi';
import { backendBaseUrl, tokenExpiry } from './CliAccess';
import { DatabasesPage } from './DatabasesPage';

jest.mock('copy-to-clipboard', () => jest.fn(() => true));
const copyToClipboard = jest.requireMock('copy-to-clipboard') as jest.Mock;

const exp = Math.floor(Date.UTC(2030, 0, 1, 12, 30) / 1000);
const token = [
  'eyJhbGciOiJFUzI1NiJ9',
  btoa(JSON.stringify({ sub: 'user:default/alice', exp }))
    .replace(/=+$/, '')
    .replace(/\+/g, '-')
    .replace(/\//g, '_'),
  'c2lnbmF0dXJl',
].join('.');

function render(identity = mockApis.identity({ token })) {
  return renderInTestApp(<DatabasesPage />, {
    apis: [
      [dbaasApiRef, fakeApi()],
      [identityApiRef, identity],
      [
        discoveryApiRef,
        mockApis.discovery({ baseUrl: 'https://backstage.example.net:7007' }),
      ],
    ],
    mountedRoutes: {
      '/dbaas': rootRouteRef,
      '/catalog/:namespace/:kind/:name': entityRouteRef,
    },
  });
}

const consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map(
  level => jest.spyOn(console, level),
);

/** Nothing the page wrote to the console carries the token. */
function expectTokenNeverLogged() {
  for (const spy of consoleSpies) {
    for (const call of spy.mock.calls) {
      expect(call.map(String).join(' ')).not.toContain(token);
    }
  }
}

describe('CLI access', () => {
  afterEach(() => {
    for (const spy of consoleSpies) spy.mockClear();
    copyToClipboard.mockClear();
  });

  it('shows the login command and the token only on Reveal, and copies both', async () => {
    await render();

    fireEvent.click(await screen.findByRole('button', { name: 'CLI access' }));
    const dialog = await screen.findByRole('dialog', { name: 'CLI access' });

    expect(
      await within(dialog).findByText(
        'dbaas login --url https://backstage.example.net:7007',
      ),
    ).toBeInTheDocument();
    expect(dialog).toHaveTextContent(
      'Paste it when dbaas login asks. It is your own identity: the CLI can do exactly what you can in the portal, and it expires like your session (about an hour); run dbaas login again then.',
    );
    expect(dialog).toHaveTextContent(/This token expires at /);
    expect(dialog).not.toHaveTextContent(token);

    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Copy your token' }),
    );
    expect(copyToClipboard).toHaveBeenLastCalledWith(token);
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Copy the command' }),
    );
    expect(copyToClipboard).toHaveBeenLastCalledWith(
      'dbaas login --url https://backstage.example.net:7007',
    );

    fireEvent.click(within(dialog).getByRole('button', { name: 'Reveal' }));
    expect(within(dialog).getByTestId('dbaas-cli-token')).toHaveTextContent(
      token,
    );

    fireEvent.click(within(dialog).getByRole('button', { name: 'Hide' }));
    expect(dialog).not.toHaveTextContent(token);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Reveal' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(document.body).not.toHaveTextContent(token);

    // opened again, the token is hidden again
    fireEvent.click(screen.getByRole('button', { name: 'CLI access' }));
    const again = await screen.findByRole('dialog', { name: 'CLI access' });
    await within(again).findByText(
      'dbaas login --url https://backstage.example.net:7007',
    );
    expect(again).not.toHaveTextContent(token);
    expectTokenNeverLogged();
  });

  it('says so when the session has no token', async () => {
    await render(mockApis.identity({}));

    fireEvent.click(await screen.findByRole('button', { name: 'CLI access' }));

    expect(
      await screen.findByText(/Your session carries no Backstage token/),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Copy your token' }),
    ).toBeNull();
  });
});

describe('backendBaseUrl', () => {
  it.each([
    ['http://localhost:7007/api/dbaas', 'http://localhost:7007'],
    ['https://portal.example.net/api/dbaas/', 'https://portal.example.net'],
    [
      'https://portal.example.net/backstage/api/dbaas',
      'https://portal.example.net/backstage',
    ],
  ])('%s → %s', (from, to) => {
    expect(backendBaseUrl(from)).toBe(to);
  });
});

describe('tokenExpiry', () => {
  it('reads the exp claim of a JWT, and nothing from other tokens', () => {
    expect(tokenExpiry(token)).toEqual(new Date(exp * 1000));
    expect(tokenExpiry('opaque')).toBeUndefined();
  });
});
