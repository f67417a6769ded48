/**
 * What a DBaaS runtime module depends on: the runtime interface and faults, the image
 * contract, waitFor, and the extension point that registers a runtime with the Manager; and the
 * backup store that backups and archived logs go to: its interface, the directory store, and the
 * extension point through which a backend module adds another kind (e.g. an S3-compatible
 * bucket, @dbaas/plugin-dbaas-backend-module-s3). The contract suite every store passes is in
 * `@dbaas/plugin-dbaas-node/testUtils`.
 *
 * @packageDocumentation
 */
export * from './runtime';
export * from './imageContract';
export * from './waitFor';
export * from './extensions';
export * from './probe';
export * from './tarFiles';
export * from './tls/certificateAuthority';
export * from './tls/serverCertificate';
export * from './docker/DockerEngineRuntime';
export * from './docker/errors';
export * from './docker/sshDocker';
export * from './docker/vmDockerReady';
export * from './docker/vmDataFileSystem';
export * from './backup';
export * from './adminCommands';
export * from './sshKey';
