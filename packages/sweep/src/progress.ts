import { regularizersLabel, type TrialConfig, type TrialRecord } from '@ganbench/study-folder';
import type { StudyEvent } from './pool.js';

export interface ProgressOptions {
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Redraw one line in place; default: whether the stream is a TTY. */
  tty?: boolean;
  /** Without a TTY, a status line at most this often. */
  intervalMs?: number;
  now?: () => number;
}

export interface ProgressReporter {
  onEvent(event: StudyEvent): void;
  /** The line the display would show now. */
  status(): string;
}

/** The rate is measured over this window, so the ETA follows the recent pace. */
const RATE_WINDOW_MS = 30_000;
const TTY_REDRAW_MS = 200;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

const describeTrial = (config: TrialConfig) =>
  `${config.loss.name} + ${regularizersLabel(config.regularizers)}${config.normalization.name === 'none' ? '' : ` + ${config.normalization.name} norm`}, seed ${config.seed}`;

function metricsText(record: TrialRecord): string {
  const { metric } = record.primary;
  const final = record.final[metric];
  const best = record.best[metric];
  if (final === undefined) return '';
  return ` ${metric} ${final.toPrecision(4)}${best !== undefined && best !== final ? ` (best ${best.toPrecision(4)})` : ''}`;
}

function endLine(event: Extract<StudyEvent, { type: 'trial-end' }>): string {
  const what = `${describeTrial(event.config)} [${event.id}]`;
  const r = event.record;
  switch (event.status) {
    case 'finished':
      return `  done      ${what}${r === undefined ? '' : `${metricsText(r)}, ${formatDuration(r.seconds)}`}`;
    case 'diverged':
      return `  diverged  ${what} at step ${r?.divergedAt ?? '?'}`;
    case 'failed':
      return `  FAILED    ${what}: ${(r?.error ?? '').split('\n')[0]}`;
    default:
      return event.reason === undefined
        ? `  stopped   ${what} (checkpointed; it resumes from there)`
        : `  stopped   ${what}: ${event.reason} (the next run resumes it from its last checkpoint)`;
  }
}

/**
 * A progress display for a running study: trials done/running/failed of the total, steps per
 * second and ETA. On a TTY one line is redrawn in place; otherwise (a log file, CI) a plain line
 * at most every `intervalMs`. Each trial's end gets a line of its own either way.
 */
export function createProgressReporter(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? stream.isTTY === true;
  const intervalMs = options.intervalMs ?? 5000;
  const now = options.now ?? Date.now;
  let study = '';
  let total = 0;
  let skipped = 0;
  let done = 0;
  let failed = 0;
  let pendingSteps = 0;
  let counted = 0;
  const running = new Map<string, { step: number | null; steps: number }>();
  const samples: { t: number; steps: number }[] = [];
  let lastDraw = Number.NEGATIVE_INFINITY;
  let drawn = false;

  const rate = (): number | undefined => {
    const t = now();
    while (samples.length > 1 && t - (samples[0] as { t: number }).t > RATE_WINDOW_MS) samples.shift();
    const first = samples[0];
    if (first === undefined || t - first.t < 1000) return undefined;
    return (counted - first.steps) / ((t - first.t) / 1000);
  };

  const status = (): string => {
    const perSecond = rate();
    let remaining = pendingSteps;
    for (const trial of running.values()) remaining += trial.steps - (trial.step ?? 0);
    const speed = perSecond === undefined ? '– steps/s' : `${perSecond >= 100 ? Math.round(perSecond) : perSecond.toPrecision(3)} steps/s`;
    const eta = perSecond === undefined || perSecond <= 0 ? '' : ` · ETA ${formatDuration(remaining / perSecond)}`;
    const skippedText = skipped > 0 ? ` (${skipped} already done)` : '';
    return `${study}: ${done + skipped}/${total} trials done${skippedText} · ${running.size} running · ${failed} failed · ${speed}${eta}`;
  };

  const clear = () => {
    if (tty && drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  const draw = (force = false) => {
    const t = now();
    if (!force && t - lastDraw < (tty ? TTY_REDRAW_MS : intervalMs)) return;
    lastDraw = t;
    const line = status();
    if (tty) {
      const width = stream.columns ?? 120;
      stream.write(`\r\x1b[2K${line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line}`);
      drawn = true;
    } else stream.write(`${line}\n`);
  };
  const print = (line: string) => {
    clear();
    stream.write(`${line}\n`);
    if (tty) draw(true);
  };

  const onEvent = (event: StudyEvent) => {
    switch (event.type) {
      case 'start': {
        ({ study, total, skipped } = event);
        pendingSteps = event.steps;
        samples.push({ t: now(), steps: 0 });
        const notes = [
          event.resuming > 0 ? `${event.resuming} resume from their checkpoint` : '',
          event.retrying > 0 ? `${event.retrying} failed before, run again` : '',
          event.runningElsewhere > 0 ? `${event.runningElsewhere} running elsewhere (another runner holds their lease)` : '',
          event.failedSkipped > 0 ? `${event.failedSkipped} failed before, skipped (--retry-failed runs them again)` : '',
        ].filter((note) => note !== '');
        const head =
          event.pending === 0 && event.runningElsewhere === 0
            ? `${study}: all ${total} trials already done (${event.dir}/trials.jsonl)`
            : event.pending === 0
              ? `${study}: no trial left to run here → ${event.dir}`
              : `${study}: ${event.pending} of ${total} trials to run with ${event.workers} worker${event.workers === 1 ? '' : 's'} → ${event.dir}`;
        print(notes.length === 0 ? head : `${head}; ${notes.join('; ')}`);
        break;
      }
      case 'trial-start':
        pendingSteps -= event.config.training.steps;
        running.set(event.id, { step: null, steps: event.config.training.steps });
        draw();
        break;
      case 'trial-progress': {
        const trial = running.get(event.id);
        if (trial === undefined) break;
        // The first report of a resumed trial jumps to its checkpoint: only steps seen being run count.
        if (trial.step !== null) counted += Math.max(0, event.step - trial.step);
        trial.step = event.step;
        samples.push({ t: now(), steps: counted });
        draw();
        break;
      }
      case 'trial-end':
        running.delete(event.id);
        if (event.status === 'finished' || event.status === 'diverged') done++;
        if (event.status === 'failed') failed++;
        print(endLine(event));
        break;
      case 'trial-skip':
        pendingSteps -= event.config.training.steps;
        print(`  skipped   ${describeTrial(event.config)} [${event.id}]: ${event.reason}`);
        break;
      case 'interrupting':
        print(`${study}: stopping — running trials checkpoint and stop; Ctrl-C again kills them`);
        break;
      case 'warning':
        print(`warning: ${event.message}`);
        break;
      case 'end': {
        clear();
        const s = event.summary;
        const parts = [`${s.finished} finished`, `${s.diverged} diverged`, `${s.failed} failed`];
        if (s.interrupted + s.notStarted > 0) parts.push(`${s.interrupted + s.notStarted} left for the next run`);
        if (s.runningElsewhere > 0) parts.push(`${s.runningElsewhere} running elsewhere`);
        stream.write(`${study}: ${parts.join(', ')} (${s.skipped} done before)\n`);
        break;
      }
    }
  };
  return { onEvent, status };
}
