export interface Config {
  dbaas?: {
    runtimes?: {
      /**
       * One Compute Engine VM per database, with its own persistent data disk; Docker on it is
       * installed by the VM's startup script. Google credentials come from Application Default
       * Credentials. Unknown keys stop the backend.
       */
      gce?: {
        /** The project the VMs and disks are created in. */
        project: string;
        /** Zones to create VMs in, tried in order when one has no capacity (ZONE_RESOURCE_POOL_EXHAUSTED). */
        zones: string[];
        /** VPC network: a name (global/networks/<name>) or a self link. Default: the project's default network. */
        network?: string;
        /** Subnetwork: a name in the zone's region, or a self link (e.g. of a Shared VPC). */
        subnetwork?: string;
        /** The VMs' service account (logging.write and monitoring.write scopes only). Default: none. */
        serviceAccountEmail?: string;
        /** When the flavor has no runtimeHints.gce.machineType. Default: e2-medium. */
        defaultMachineType?: string;
        /** Boot image family and its project. Default: debian-12 from debian-cloud. */
        imageFamily?: string;
        imageProject?: string;
        /** The data disk's type. Default: pd-balanced. */
        diskType?: string;
        /** Cloud KMS key for the data disk (CMEK), projects/P/locations/L/keyRings/R/cryptoKeys/K. Default: Google-managed. */
        kmsKeyName?: string;
        /** Give each VM an external IP and reach it by that address. Default: false (internal IP). */
        externalIp?: boolean;
        /** Extra labels on every VM and disk (GCE label rules). */
        labels?: { [key: string]: string };
        /** The user the startup script puts in the docker group for the Manager's SSH access. Default: dbaas. */
        sshUser?: string;
        /** Docker registry mirrors and plain-HTTP registries for the VMs' Docker. */
        registryMirrors?: string[];
        insecureRegistries?: string[];
        /** How long a VM may take to be created and run. Default: 540 (under dbaas.provisioning.timeoutSeconds). */
        startTimeoutSeconds?: number;
        /** Seconds between VM status polls. Default: 5. */
        pollIntervalSeconds?: number;
        /** Attempts per Compute API call on 429, 5xx or network errors. Default: 6. */
        apiMaxAttempts?: number;
        /** Another Compute API endpoint: a host (Private Service Connect) or an http(s) URL (a test double). */
        apiEndpoint?: string;
      };
    };
  };
}
