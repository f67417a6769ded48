/** A Docker engine (local, TCP or over SSH) that cannot be reached right now. */
export function isConnectionError(error: unknown) {
  const e = error as { code?: string; level?: string };
  return (
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'EHOSTUNREACH',
    ].includes(e.code ?? '') || (e.level ?? '').startsWith('client-') // ssh2: socket, timeout, handshake
  );
}

export function isNotFound(error: unknown) {
  return (error as { statusCode?: number }).statusCode === 404;
}
