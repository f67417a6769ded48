export interface Config {
  dbaas?: {
    runtimes?: {
      /**
       * One EC2 VM per database, running the flavor's image with Docker, reached over SSH.
       * deploy/terraform/aws creates the network, security group and IAM policy and
       * outputs these keys. AWS credentials come from the default chain.
       */
      ec2?: {
        region: string;
        /** Another EC2/SSM endpoint (a VPC endpoint). */
        endpoint?: string;
        /** The AMI (Debian 12 or another distribution with cloud-init and apt). */
        amiId?: string;
        /** SSM parameter naming the AMI. Default: /aws/service/debian/release/bookworm/latest/amd64. */
        amiSsmParameter?: string;
        /** Subnets to launch in, tried in order when one lacks capacity. */
        subnetIds: string[];
        securityGroupIds: string[];
        instanceProfileName?: string;
        /** When the flavor has no runtimeHints.ec2.instanceType. Default: t3.medium. */
        defaultInstanceType?: string;
        /** Which VM address the Manager and clients use. Allowed: private, public. Default: private. */
        addressType?: 'private' | 'public';
        /** KMS key for the encrypted data volumes. Default: the account's EBS key. */
        kmsKeyId?: string;
        /** The user cloud-init creates for the Manager's SSH access. Default: dbaas. */
        sshUser?: string;
        /** Extra tags on every VM, volume and key pair. */
        tags?: { [key: string]: string };
        /** Docker registry mirrors and plain-HTTP registries for the VMs' Docker. */
        registryMirrors?: string[];
        insecureRegistries?: string[];
        /** How long a VM may take until Docker answers. Default: 540 (under dbaas.provisioning.timeoutSeconds). */
        startTimeoutSeconds?: number;
        /** Seconds between EC2 status polls. Default: 5. */
        pollIntervalSeconds?: number;
        /** Attempts per EC2 call on throttling or transient errors. Default: 6. */
        apiMaxAttempts?: number;
      };
    };
  };
}
