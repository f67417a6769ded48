/**
 * What a DBaaS runtime module depends on: the runtime interface and faults, the image
 * contract, waitFor, and the extension point that registers a runtime with the Manager; and the
 * backup store (a directory or an S3-compatible bucket) that backups and archived logs go to.
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
export * from './backup';
