export interface Config {
  /** Configuration of the DBaaS Manager (plugin `dbaas`). */
  dbaas?: {
    /**
     * Runtime used when a request names none.
     * Allowed: local, docker, kubernetes, ec2 (each must be configured under dbaas.runtimes).
     */
    defaultRuntime?: 'local' | 'docker' | 'kubernetes' | 'ec2';

    /** Settings per runtime. */
    runtimes?: {
      /** Real database servers as local processes (the embedded default). */
      local?: {
        /** Folder holding one data directory per instance. Default: <os tmp>/dbaas-local. */
        dataDir?: string;
        /** Host the servers listen on and that endpoints name. Default: 127.0.0.1. */
        host?: string;
      };
    };

    /** What users can pick in the "Create Database" template. */
    flavors?: Array<{
      /** Unique id: lowercase letters, digits and dashes. */
      id: string;
      /** Display name, e.g. "PostgreSQL 17 (small)". */
      title?: string;
      description?: string;
      /** Database engine. Allowed: postgresql, mysql, mariadb. */
      engine: 'postgresql' | 'mysql' | 'mariadb';
      /** Engine version, e.g. "17" or "10.11". */
      version: string;
      /** The flavor's prebuilt Docker image, e.g. "dbaas/postgresql:17". */
      image: string;
      /** CPU cores. */
      cpu: number;
      /** Memory in MiB. */
      memoryMiB: number;
      /** Storage a request may ask for, in GiB: min <= default <= max. */
      storageGiB: {
        min: number;
        max: number;
        default: number;
      };
      /** Free-form settings per runtime, e.g. { ec2: { instanceType: t3.medium } }. */
      runtimeHints?: { [runtime: string]: { [key: string]: unknown } };
    }>;
  };
}
