/** Signals for runStudy from Ctrl-C: the first stops cleanly (trials checkpoint), the second kills. */
export interface Interrupts {
  /** Aborted by the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** Aborted by the second. */
  kill: AbortSignal;
  /** Removes the handlers (call when the study is over). */
  dispose(): void;
}

export function interruptOnSignals(): Interrupts {
  const stop = new AbortController();
  const kill = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    if (!stop.signal.aborted) stop.abort(new Error(`${name}: stopping`));
    else kill.abort(new Error(`${name} again: killing the workers`));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: stop.signal,
    kill: kill.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
