import { githubAuthApiRef } from '@backstage/core-plugin-api';
import { signInProviders } from './ConfiguredSignInPage';

describe('signInProviders', () => {
  it('is guest sign-in when the config names none (the dev portal)', () => {
    expect(signInProviders()).toEqual(['guest']);
  });

  it('is GitHub, through its auth API, where production names it', () => {
    expect(signInProviders(['github'])).toEqual([
      expect.objectContaining({
        id: 'github-auth-provider',
        title: 'GitHub',
        apiRef: githubAuthApiRef,
      }),
    ]);
  });

  it('names a provider it does not know, and the known ones', () => {
    expect(() => signInProviders(['okta'])).toThrow(
      'app.signIn.providers: unknown provider okta; known: github, guest',
    );
  });
});
