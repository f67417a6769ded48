import { GceClientOptions } from '../createGceRuntime';

export const FAKE_TOKEN = 'fake-token-for-the-local-fake';

/** Credentials that never reach Google: a static token, sent to the local fake only. */
export const fakeAuthClient = {
  getRequestHeaders: async () => new Headers(),
  fetch: (url: string, init: any) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${FAKE_TOKEN}`);
    return fetch(url, {
      method: init.method,
      headers,
      body: init.body,
      signal: init.signal,
    });
  },
};

/** Client options with the fake credentials. */
export const fakeClientOptions = {
  authClient: fakeAuthClient,
} as unknown as GceClientOptions;
