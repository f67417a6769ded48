import { Flavor } from '../schemas/flavor';

/** Options every call accepts; `token` is a Backstage token sent as a bearer token. */
export interface DbaasRequestOptions {
  token?: string;
}

/** The DBaaS Manager's REST API, as the frontend, the scaffolder actions and the CLI use it. */
export interface DbaasApi {
  listFlavors(options?: DbaasRequestOptions): Promise<Flavor[]>;
}
