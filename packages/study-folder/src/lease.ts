/**
 * One runner per trial. A runner (a sweep's pool, a cluster task) holds a trial's lease while the
 * trial trains; every other runner pointed at the same folder, on this machine or on another one
 * sharing the filesystem, sees the lease and leaves the trial alone.
 *
 * The lease is a numbered file in the trial's folder, `lease/<generation>.json`; the highest number
 * is the current lease. A runner takes it by creating the next number with O_EXCL ('wx'), which is
 * atomic on local filesystems and on NFSv3 and later: of any number of runners that saw generation g
 * free or stale, exactly one creates g + 1 and the others get EEXIST. Numbers are never reused (a
 * released lease stays, marked released), so a runner acting on an old view can only collide, never
 * take a name that a newer lease depends on. Renaming a fresh file over a stale one and reading it
 * back would not do: two takers can each rename and each read back their own file before the other
 * rename lands.
 *
 * A lease holds host, PID namespace, the runner's pid, the worker's pid and a heartbeat time that the
 * holder refreshes while the trial runs. It is stale when its heartbeat is older than the timeout
 * (hosts sharing a folder need clocks closer than that), or at once when it was taken on this host
 * and none of its processes is alive. A holder that finds a newer generation at a heartbeat has lost
 * the lease (it was taken for dead, e.g. a machine suspended past the timeout) and must stop the trial
 * without recording it.
 */

import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { TrialRecord, TrialState } from './trialRecord.js';

/** The lease files' folder inside a trial's folder. */
export const LEASE_DIR = 'lease';
/** A lease whose heartbeat is older than this is taken for dead (a runner on another host that died). */
export const LEASE_TIMEOUT_MS = 60_000;
/** Heartbeats per timeout: one late heartbeat (a busy event loop, a slow shared filesystem) does not lose the lease. */
export const HEARTBEATS_PER_TIMEOUT = 6;

export const leaseInfoSchema = z.object({
  host: z.string().min(1),
  /** Pids are compared only within one PID namespace: containers on one host share a hostname, not pids. */
  pidNamespace: z.string().optional(),
  /** The runner's process. */
  pid: z.int().min(1),
  /** The worker process that trains the trial; it may outlive a killed runner by a step and a checkpoint. */
  workerPid: z.int().min(1).optional(),
  token: z.string().min(1),
  acquiredAt: z.string().min(1),
  /** Milliseconds since the epoch, by the holder's clock. */
  heartbeat: z.number(),
  released: z.boolean().optional(),
});
export type LeaseInfo = z.output<typeof leaseInfoSchema>;

export interface LeaseOptions {
  timeoutMs?: number;
  /** The runner's process; default this one. */
  pid?: number;
  /** The worker process that will train the trial. */
  workerPid?: number;
}

/** What a trial's lease says now: never taken or released (`free`), held by a live runner, or left by a dead one. */
export type LeaseView =
  | { state: 'free'; generation: number }
  | { state: 'live'; generation: number; holder: LeaseInfo | null }
  | { state: 'stale'; generation: number; holder: LeaseInfo | null; why: string };

const GENERATION = /^(\d+)\.json$/;

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}
const OWN_NAMESPACE = pidNamespace();

/** Whether a process of this host is alive; a zombie (killed, not yet reaped by its parent) is not. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

/** `host pid N`, for messages. */
export function describeHolder(holder: LeaseInfo | null): string {
  if (holder === null) return 'a runner whose lease is being written';
  return `${holder.host} pid ${holder.pid}${holder.workerPid === undefined ? '' : ` (worker ${holder.workerPid})`}`;
}

const leaseFile = (trialDir: string, generation: number) => join(trialDir, LEASE_DIR, `${generation}.json`);

function currentGeneration(trialDir: string): number {
  let names: string[];
  try {
    names = readdirSync(join(trialDir, LEASE_DIR));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return -1;
    throw error;
  }
  let max = -1;
  for (const name of names) {
    const match = GENERATION.exec(name);
    if (match !== null) max = Math.max(max, Number(match[1]));
  }
  return max;
}

/** The lease's content, or null while it is being written (created, content not yet there) or torn. */
function readInfo(file: string): { info: LeaseInfo | null; mtimeMs: number } | undefined {
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = leaseInfoSchema.safeParse(JSON.parse(text));
    return { info: parsed.success ? parsed.data : null, mtimeMs };
  } catch {
    return { info: null, mtimeMs };
  }
}

/** The state of a trial's lease, judged now. */
export function inspectLease(trialDir: string, timeoutMs: number = LEASE_TIMEOUT_MS): LeaseView {
  const generation = currentGeneration(trialDir);
  if (generation < 0) return { state: 'free', generation };
  const read = readInfo(leaseFile(trialDir, generation));
  // Listed but gone: only a hand-made deletion does that; the number stays taken, so the next one is free.
  if (read === undefined) return { state: 'free', generation };
  const { info, mtimeMs } = read;
  const now = Date.now();
  if (info === null) {
    // Created and not yet written (the creator writes at once), or its creator died in between.
    if (now - mtimeMs > timeoutMs)
      return { state: 'stale', generation, holder: null, why: `unreadable and untouched for ${Math.round((now - mtimeMs) / 1000)} s` };
    return { state: 'live', generation, holder: null };
  }
  if (info.released === true) return { state: 'free', generation };
  if (info.host === hostname() && info.pidNamespace === OWN_NAMESPACE && info.pid !== process.pid) {
    const pids = info.workerPid === undefined ? [info.pid] : [info.pid, info.workerPid];
    if (!pids.some(processAlive)) return { state: 'stale', generation, holder: info, why: `its process${pids.length > 1 ? 'es are' : ' is'} gone` };
  }
  if (now - info.heartbeat > timeoutMs)
    return { state: 'stale', generation, holder: info, why: `no heartbeat for ${Math.round((now - info.heartbeat) / 1000)} s` };
  return { state: 'live', generation, holder: info };
}

/** Writes a file of one's own lease whole: readers see the old content or the new, never a part. */
function rewrite(file: string, info: LeaseInfo): void {
  const tmp = `${file}.${info.token}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(info));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** A lease this process holds: refresh it while the trial runs, release it once the trial's record is written. */
export class TrialLease {
  #info: LeaseInfo;
  #lost = false;
  #released = false;

  constructor(
    readonly trialDir: string,
    readonly generation: number,
    info: LeaseInfo,
  ) {
    this.#info = info;
  }

  get info(): LeaseInfo {
    return this.#info;
  }

  /** Another runner took the lease over: this one must stop the trial and record nothing. */
  get lost(): boolean {
    return this.#lost;
  }

  /** Refreshes the heartbeat; false when the lease was taken over meanwhile (then it stays lost). */
  heartbeat(): boolean {
    if (this.#lost || this.#released) return !this.#lost;
    if (existsSync(leaseFile(this.trialDir, this.generation + 1))) {
      this.#lost = true;
      return false;
    }
    this.#info = { ...this.#info, heartbeat: Date.now() };
    rewrite(leaseFile(this.trialDir, this.generation), this.#info);
    return true;
  }

  /** Marks the lease released, so the next runner takes the trial at once; a lost lease is left to its new holder. */
  release(): void {
    if (this.#released || this.#lost) return;
    this.#released = true;
    if (existsSync(leaseFile(this.trialDir, this.generation + 1))) {
      this.#lost = true;
      return;
    }
    rewrite(leaseFile(this.trialDir, this.generation), { ...this.#info, heartbeat: Date.now(), released: true });
  }
}

export type LeaseResult = { acquired: true; lease: TrialLease; tookOver: LeaseView | null } | { acquired: false; holder: LeaseInfo | null };

/**
 * Takes a trial's lease when it is free or stale; when a live runner holds it, says who. `tookOver`
 * is the stale lease it replaced (a runner that died), for a message.
 */
export function acquireLease(trialDir: string, options: LeaseOptions = {}): LeaseResult {
  const timeoutMs = options.timeoutMs ?? LEASE_TIMEOUT_MS;
  mkdirSync(join(trialDir, LEASE_DIR), { recursive: true });
  // Each pass either takes the lease, finds a live holder, or lost a creation race to a runner that
  // now holds it (the next pass finds it live); the bound only guards against a broken filesystem.
  for (let attempt = 0; attempt < 100; attempt++) {
    const view = inspectLease(trialDir, timeoutMs);
    if (view.state === 'live') return { acquired: false, holder: view.holder };
    const generation = view.generation + 1;
    const now = Date.now();
    const info: LeaseInfo = {
      host: hostname(),
      ...(OWN_NAMESPACE === undefined ? {} : { pidNamespace: OWN_NAMESPACE }),
      pid: options.pid ?? process.pid,
      ...(options.workerPid === undefined ? {} : { workerPid: options.workerPid }),
      token: randomBytes(8).toString('hex'),
      acquiredAt: new Date(now).toISOString(),
      heartbeat: now,
    };
    const file = leaseFile(trialDir, generation);
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    try {
      writeSync(fd, JSON.stringify(info));
    } catch (error) {
      // Nobody can hold a lease this process failed to write: free the number rather than leave it looking live.
      closeSync(fd);
      unlinkSync(file);
      throw error;
    }
    closeSync(fd);
    return { acquired: true, lease: new TrialLease(trialDir, generation, info), tookOver: view.state === 'stale' ? view : null };
  }
  throw new Error(`${join(trialDir, LEASE_DIR)}: could not take or read the lease after 100 attempts`);
}

/**
 * A trial's state from its latest record and its lease: `running` while a live runner holds it (a
 * failed trial being retried too), else how its record says it ended, else `interrupted` when some
 * runner started it, else `pending`.
 */
export function trialState(record: TrialRecord | undefined, lease: LeaseView): TrialState {
  if (lease.state === 'live') return 'running';
  if (record !== undefined) return record.status;
  return lease.generation >= 0 ? 'interrupted' : 'pending';
}
