import os from 'node:os';

/** Signals for runStudy from Ctrl-C or SIGTERM: the first stops cleanly (trials checkpoint), the second kills. */
export interface Interrupts {
  /** Aborted by the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** Aborted by the second. */
  kill: AbortSignal;
  /** The first signal received, if any. */
  readonly received: NodeJS.Signals | undefined;
  /** 128 + the first signal's number (130 for SIGINT, 143 for SIGTERM), as a shell reports a process a signal ended; 0 if none came. */
  exitCode(): number;
  /** Removes the handlers (call when the study is over). */
  dispose(): void;
}

export function interruptOnSignals(): Interrupts {
  const stop = new AbortController();
  const kill = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handler = (name: NodeJS.Signals) => {
    received ??= name;
    if (!stop.signal.aborted) stop.abort(new Error(`${name}: stopping`));
    else kill.abort(new Error(`${name} again: killing the workers`));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: stop.signal,
    kill: kill.signal,
    get received() {
      return received;
    },
    exitCode: () => (received === undefined ? 0 : 128 + (os.constants.signals[received] ?? 0)),
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
