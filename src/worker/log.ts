/** A levelled logger for the hub. Debug output is off unless `self.PATCHBAY_DEBUG` is set. */
type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function threshold(): number {
  return (globalThis as { PATCHBAY_DEBUG?: boolean }).PATCHBAY_DEBUG ? 0 : 1;
}

function emit(level: Level, scope: string, args: unknown[]): void {
  if (order[level] < threshold()) return;
  // eslint-disable-next-line no-console
  console[level === 'debug' ? 'log' : level](`[patchbay:${scope}]`, ...args);
}

export function logger(scope: string) {
  return {
    debug: (...a: unknown[]) => emit('debug', scope, a),
    info: (...a: unknown[]) => emit('info', scope, a),
    warn: (...a: unknown[]) => emit('warn', scope, a),
    error: (...a: unknown[]) => emit('error', scope, a),
  };
}
