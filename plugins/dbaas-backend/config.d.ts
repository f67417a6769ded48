export interface Config {
  /** Configuration of the DBaaS Manager (plugin `dbaas`). */
  dbaas?: {
    /**
     * Runtime used when a request names none: a registered runtime's name (built in: local,
     * docker; runtime modules add others, e.g. kubernetes, ec2); anything but local must be
     * configured under dbaas.runtimes. Default: local; required when local is disabled.
     * Every key under dbaas is checked at start-up: an unknown key or value stops the backend
     * with an error naming the key and what is allowed there.
     */
    defaultRuntime?: string;

    /** Settings per runtime. */
    runtimes?: {
      /** Real database servers as local processes (the embedded default). */
      local?: {
        /**
         * Offer the local runtime (default true). Set false in production: it runs databases
         * as processes on the backend's own host. Its dataDir still holds the development
         * encryption key and the default backup folder.
         */
        enabled?: boolean;
        /** Folder holding one data directory per instance. Default: .dbaas/local-runtime under the backend's working directory. */
        dataDir?: string;
        /** Address the servers listen on and that endpoints name. Default: 127.0.0.1. */
        host?: string;
        /**
         * PostgreSQL servers archive their WAL, MariaDB servers keep a binary log, and the
         * Manager ships the finished files to the backup store every 10 s, for point-in-time
         * recovery. Default: true.
         */
        walArchiving?: boolean;
      };
      /** Containers of the flavors' images on one or more Docker engines. */
      docker?: {
        /** The engines; a new instance goes to the one with the most free memory. */
        hosts: Array<{
          /** A name for logs and for the instance's record, e.g. docker-1. */
          name: string;
          /**
           * unix:///var/run/docker.sock, tcp://host:2376 (tls required) or ssh://user@host:22
           * (ssh.hostKey required): a remote Docker API gives root on its host.
           */
          url: string;
          /** Address clients connect to; default: the url's host (127.0.0.1 for unix://). */
          publishAddress?: string;
          /**
           * The host's IP address that published ports bind to. Default: publishAddress,
           * which must then be an IP address. Ports never bind to every interface.
           */
          bindAddress?: string;
          /** Capacity for our containers. Defaults: 50 instances, 65536 MiB. */
          maxInstances?: number;
          memoryMiB?: number;
          /** Client certificate files for tcp:// with TLS. */
          tls?: { ca?: string; cert?: string; key?: string };
          /**
           * For ssh://: the private key file, and the host key to pin, as its SHA256
           * fingerprint ('SHA256:…', ssh-keygen -lf) or a known_hosts line.
           */
          ssh?: { privateKeyFile?: string; hostKey?: string };
        }>;
        /** How long a new container may take to become healthy. Default: 180. */
        startTimeoutSeconds?: number;
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
      /**
       * The runtimes that can serve it: where its image exists (or, for local, the engine
       * version is installed). Unset: every runtime that can run its engine. Other runtimes
       * refuse it with a 400 naming these, and the form offers only these.
       */
      runtimes?: string[];
      /** Free-form settings per runtime, e.g. { ec2: { instanceType: t3.medium } }. */
      runtimeHints?: { [runtime: string]: { [key: string]: unknown } };
      /**
       * Every instance serves TLS with a certificate from the Manager's CA. With
       * require: true it also refuses plain-text connections. Default: false.
       */
      tls?: { require: boolean };
      /**
       * Backup schedule and retention of its instances, unless a create or PATCH sets them.
       * Default: schedule '@daily' (a cron expression in UTC; null: none), 7 days, no count.
       */
      backup?: {
        schedule?: string | null;
        retentionDays?: number;
        retentionCount?: number | null;
      };
      /**
       * Servers kept initialised and started ahead of demand, with no user data: a create of
       * this flavor (at its default storage) takes one and is ready in a fraction of a second.
       * `size` per runtime; `runtimes` default to the default runtime (local and Docker can
       * pool); members are replaced after `maxAgeHours` (default 24) and when the image changes.
       */
      warmPool?: {
        size: number;
        maxAgeHours?: number;
        runtimes?: string[];
      };
    }>;

    /** The platform's cap on warm pool servers, all flavors and runtimes together. */
    warmPool?: {
      /** Default: 10. Pool servers count here, never in an owner's quota. */
      maxInstances?: number;
      /**
       * A member left by a replica that died while it started it (warming; at least twice
       * `provisioning.stepTimeoutSeconds`) or while a create claimed it (no instance recorded)
       * is removed after this long. Keep it well above a create request's duration. Default: 600.
       */
      abandonAfterSeconds?: number;
    };

    /**
     * This backend replica's name in the leases it takes on instances. Give each replica its own,
     * stable across restarts (e.g. a StatefulSet pod name), so a restarted replica resumes its
     * work at once. Default: a name kept in `.dbaas/replica-id` under the working directory.
     */
    replicaId?: string;

    provisioning?: {
      /** A create that is not running after this long fails with PROVISION_TIMEOUT. Default: 600. */
      timeoutSeconds?: number;
      /** How long a replica's claim on an instance lasts without renewal. Default: 30. */
      leaseSeconds?: number;
      /**
       * How long one runtime call (make a host, start a server, remove them) may take before it
       * is abandoned as a TIMEOUT fault and what it made is removed. Default: 300.
       */
      stepTimeoutSeconds?: number;
    };

    reconcile?: {
      /** How often the health of running instances is checked. Default: 30. */
      intervalSeconds?: number;
    };

    /** Limits per owner (an entity ref); instances that are deleted or failed do not count. */
    quotas?: {
      /** Default: 10 instances, 500 GiB. */
      default?: { maxInstances: number; maxStorageGiB: number };
      /** Per owner, e.g. 'group:default/data-team': { maxInstances: 50, maxStorageGiB: 5000 }. */
      owners?: {
        [ownerRef: string]: { maxInstances: number; maxStorageGiB: number };
      };
    };

    rateLimit?: {
      /** Creates per user and window, per backend replica. Default: 10 per 60 s. */
      creates?: { limit?: number; windowSeconds?: number };
    };

    /**
     * What service principals (other plugins, static or JWKS tokens from
     * backend.auth.externalAccess) may do. Every service may read instances; anything else
     * (create, update, delete, credentials, admin) needs a rule here, and a token's
     * accessRestrictions still apply. Users are decided by the permission policy alone.
     */
    serviceAccess?: Array<{
      /** The principal's subject, e.g. external:ops-bot or plugin:catalog; * matches any run of characters. */
      subject: string;
      /** Permission names, e.g. dbaas.instance.delete (see dbaasPermissions). */
      permissions: string[];
    }>;

    encryption?: {
      /**
       * Keys that seal stored secrets (database passwords, SSH keys, the TLS CA): the first
       * seals, every one opens. Rotate by adding a new key first, running
       * `dbaas admin reseal`, then removing the old one. Required in production
       * (NODE_ENV=production or a store other than SQLite); without it a development key is
       * generated beside the local runtime's data.
       */
      keys?: Array<{
        /** Stored with every sealed value: letters, digits, dot, dash, underscore. */
        id: string;
        /**
         * At least 16 characters.
         * @visibility secret
         */
        secret: string;
      }>;
      /**
       * A single key (the key id "default"): the older form of keys.
       * @visibility secret
       */
      key?: string;
    };

    catalog?: {
      /**
       * How often the catalog module reads the instances changed since its last run and
       * applies them as a delta (new and changed Resources, deleted ones removed). Default: 3.
       */
      refreshSeconds?: number;
      /** How often it replaces all database Resources instead (the safety net). Default: 10. */
      fullSyncMinutes?: number;
    };

    backups?: {
      /**
       * Where backups and archived logs go. Default: a directory `backups` beside the local
       * runtime's dataDir (.dbaas/backups). Every object is stored with its SHA-256, which
       * every read verifies.
       */
      store?: {
        /**
         * filesystem (a directory, the embedded default), or a type a backend module adds:
         * s3 (an S3-compatible bucket) with @dbaas/plugin-dbaas-backend-module-s3, whose
         * config.d.ts has its keys.
         */
        type: string;
        /** filesystem: the directory (local disk or a shared mount). */
        directory?: string;
      };
    };
  };
}
