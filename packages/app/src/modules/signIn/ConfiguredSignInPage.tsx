import { SignInPage } from '@backstage/core-components';
import {
  configApiRef,
  SignInPageProps,
  githubAuthApiRef,
  useApi,
} from '@backstage/core-plugin-api';

/** Sign-in providers the page can offer, by the names `app.signIn.providers` uses. */
const PROVIDERS = {
  github: {
    id: 'github-auth-provider',
    title: 'GitHub',
    message: 'Sign in with your GitHub account',
    apiRef: githubAuthApiRef,
  },
  guest: 'guest',
} as const;

export type SignInProviderName = keyof typeof PROVIDERS;

/** The providers `app.signIn.providers` names, as the sign-in page takes them (default: guest). */
export function signInProviders(names: string[] = ['guest']) {
  const unknown = names.filter(name => !(name in PROVIDERS));
  if (unknown.length) {
    throw new Error(
      `app.signIn.providers: unknown provider ${unknown.join(
        ', ',
      )}; known: ${Object.keys(PROVIDERS).join(', ')}`,
    );
  }
  return names.map(name => PROVIDERS[name as SignInProviderName]);
}

/**
 * The sign-in page with the providers `app.signIn.providers` names (default: guest, for the
 * dev portal); production names a real one (app-config.production.yaml: github), whose backend
 * module resolves the signed-in account to a catalog User.
 */
export function ConfiguredSignInPage(props: SignInPageProps) {
  const config = useApi(configApiRef);
  const providers = signInProviders(
    config.getOptionalStringArray('app.signIn.providers'),
  );
  return <SignInPage {...props} providers={providers} />;
}
