export interface Config {
  app?: {
    signIn?: {
      /**
       * The sign-in providers the sign-in page offers: guest (development only), github.
       * Each needs its backend module and `auth.providers.<name>`. Default: [guest].
       * @visibility frontend
       */
      providers?: Array<'guest' | 'github'>;
    };
  };
}
