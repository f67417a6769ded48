import { mockServices } from '@backstage/backend-test-utils';

/** A root logger for a test backend that keeps every line (message and meta) in `lines`. */
export function capturingLogger() {
  const lines: string[] = [];
  const logger = mockServices.rootLogger.mock();
  for (const level of ['info', 'warn', 'error', 'debug'] as const) {
    (logger[level] as jest.Mock).mockImplementation(
      (msg: string, meta?: unknown) =>
        lines.push(`${msg} ${JSON.stringify(meta ?? {})}`),
    );
  }
  logger.child.mockReturnValue(logger);
  return { logger, lines };
}
