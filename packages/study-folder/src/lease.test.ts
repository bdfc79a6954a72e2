import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLease, inspectLease, LEASE_DIR, type LeaseInfo, type LeaseView, trialState } from './lease.js';
import type { TrialRecord } from './trialRecord.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'ganbench-lease-'));
const leaseFiles = (dir: string) => readdirSync(join(dir, LEASE_DIR)).sort();
const readLease = (dir: string, generation: number) => JSON.parse(readFileSync(join(dir, LEASE_DIR, `${generation}.json`), 'utf8')) as LeaseInfo;

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
const LEASE_MODULE = pathToFileURL(fileURLToPath(new URL('./lease.ts', import.meta.url))).href;

/**
 * A racer: a process that says `ready`, waits for the start time it is sent, then tries to take the
 * lease and prints what it got. It stays alive until its stdin closes, so a winner is a live holder
 * for the racers that come later (a dead one's lease would rightly be taken over).
 */
const RACER = `
import { acquireLease } from ${JSON.stringify(LEASE_MODULE)};
const [dir, timeoutMs] = process.argv.slice(2);
process.stdout.write('ready\\n');
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
  if (!input.includes('\\n')) return;
  const at = Number(input.trim());
  while (Date.now() < at) {}
  const result = acquireLease(dir, { timeoutMs: Number(timeoutMs) });
  process.stdout.write(JSON.stringify({ acquired: result.acquired, generation: result.acquired ? result.lease.generation : null, tookOver: result.acquired && result.tookOver !== null }) + '\\n');
});
`;

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** Starts `n` racer processes on `dir`, lets them go at the same moment and returns what each got. */
async function race(dir: string, n: number, timeoutMs = 60_000): Promise<{ acquired: boolean; generation: number | null; tookOver: boolean }[]> {
  const script = join(fresh(), 'racer.mjs');
  writeFileSync(script, RACER);
  const racers = Array.from({ length: n }, () => {
    const child = spawn(process.execPath, ['--import', TSX, script, dir, String(timeoutMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    const lines: string[] = [];
    const waiters: (() => void)[] = [];
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      let newline = out.indexOf('\n');
      while (newline >= 0) {
        lines.push(out.slice(0, newline));
        out = out.slice(newline + 1);
        newline = out.indexOf('\n');
        for (const wake of waiters.splice(0)) wake();
      }
    });
    const line = async (index: number) => {
      while (lines.length <= index) await new Promise<void>((resolve) => waiters.push(resolve));
      return lines[index] as string;
    };
    return { child, line };
  });
  for (const racer of racers) expect(await racer.line(0)).toBe('ready');
  const at = Date.now() + 300;
  for (const racer of racers) racer.child.stdin?.write(`${at}\n`);
  const results = await Promise.all(racers.map(async (racer) => JSON.parse(await racer.line(1))));
  for (const racer of racers) racer.child.stdin?.end();
  await Promise.all(racers.map((racer) => new Promise((resolve) => racer.child.once('exit', resolve))));
  return results;
}

/** A process that has exited: its pid names no one (until the system reuses it). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

describe('the trial lease', () => {
  it('of processes racing for a free lease, exactly one gets it', async () => {
    const dir = fresh();
    const results = await race(dir, 4);
    expect(results.filter((r) => r.acquired)).toEqual([{ acquired: true, generation: 0, tookOver: false }]);
    expect(leaseFiles(dir)).toEqual(['0.json']);
  }, 60_000);

  it('of processes racing to take over a stale lease, exactly one gets it', async () => {
    const dir = fresh();
    // Left by a runner of this host that died: taken over at once, without waiting for the timeout.
    const stale = acquireLease(dir, { pid: await deadPid() });
    expect(stale.acquired).toBe(true);
    const results = await race(dir, 4);
    expect(results.filter((r) => r.acquired)).toEqual([{ acquired: true, generation: 1, tookOver: true }]);
    expect(leaseFiles(dir)).toEqual(['0.json', '1.json']);
  }, 60_000);

  it('holds host, pid, worker pid and a heartbeat; a live holder is named to the next taker', () => {
    const dir = fresh();
    const before = Date.now();
    const first = acquireLease(dir, { workerPid: process.pid });
    if (!first.acquired) throw new Error('expected the lease');
    expect(first.tookOver).toBeNull();
    const info = readLease(dir, 0);
    expect(info).toMatchObject({ host: hostname(), pid: process.pid, workerPid: process.pid });
    expect(info.heartbeat).toBeGreaterThanOrEqual(before);
    expect(info.released).toBeUndefined();
    const second = acquireLease(dir);
    expect(second).toEqual({ acquired: false, holder: info });
  });

  it('stays live while its heartbeat is refreshed, goes stale when it stops, and the old holder learns it lost it', async () => {
    const dir = fresh();
    const timeoutMs = 300;
    const result = acquireLease(dir, { timeoutMs });
    if (!result.acquired) throw new Error('expected the lease');
    const lease = result.lease;
    for (let i = 0; i < 5; i++) {
      await sleep(100);
      const last = readLease(dir, 0).heartbeat;
      expect(lease.heartbeat()).toBe(true);
      expect(readLease(dir, 0).heartbeat).toBeGreaterThan(last);
      expect(inspectLease(dir, timeoutMs).state).toBe('live');
    }
    // 500 ms held with a 300 ms timeout: only the heartbeats kept it.
    await sleep(timeoutMs + 100);
    const view = inspectLease(dir, timeoutMs);
    expect(view).toMatchObject({ state: 'stale', generation: 0 });
    expect(view.state === 'stale' && view.why).toMatch(/^no heartbeat for \d+ s$/);
    const taker = acquireLease(dir, { timeoutMs });
    expect(taker).toMatchObject({ acquired: true, tookOver: { state: 'stale', generation: 0 } });
    expect(lease.heartbeat()).toBe(false);
    expect(lease.lost).toBe(true);
    // Releasing a lost lease leaves the new holder's alone.
    lease.release();
    expect(inspectLease(dir, timeoutMs)).toMatchObject({ state: 'live', generation: 1 });
  });

  it('is stale at once when its processes on this host are gone, live while one of them runs', async () => {
    const dir = fresh();
    const dead = await deadPid();
    acquireLease(dir, { pid: dead, workerPid: process.pid });
    expect(inspectLease(dir).state).toBe('live');
    const other = fresh();
    acquireLease(other, { pid: dead, workerPid: await deadPid() });
    expect(inspectLease(other)).toMatchObject({ state: 'stale', why: 'its processes are gone' });
  });

  it("judges another host's lease by its heartbeat alone", () => {
    const dir = fresh();
    const result = acquireLease(dir);
    if (!result.acquired) throw new Error('expected the lease');
    const elsewhere = { ...result.lease.info, host: `not-${hostname()}`, pid: 1, heartbeat: Date.now() - 5_000 };
    writeFileSync(join(dir, LEASE_DIR, '0.json'), JSON.stringify(elsewhere));
    expect(inspectLease(dir, 10_000).state).toBe('live');
    expect(inspectLease(dir, 1_000)).toMatchObject({ state: 'stale', why: 'no heartbeat for 5 s' });
  });

  it('once released, is free for the next runner, which takes the next number', () => {
    const dir = fresh();
    const first = acquireLease(dir);
    if (!first.acquired) throw new Error('expected the lease');
    first.lease.release();
    expect(readLease(dir, 0).released).toBe(true);
    expect(inspectLease(dir)).toEqual({ state: 'free', generation: 0 });
    expect(acquireLease(dir)).toMatchObject({ acquired: true, tookOver: null, lease: { generation: 1 } });
  });

  it('counts a lease file still being written as live, and one left empty past the timeout as stale', () => {
    const dir = fresh();
    const first = acquireLease(dir);
    if (!first.acquired) throw new Error('expected the lease');
    first.lease.release();
    const file = join(dir, LEASE_DIR, '1.json');
    writeFileSync(file, '');
    expect(inspectLease(dir, 1_000)).toEqual({ state: 'live', generation: 1, holder: null });
    const past = new Date(Date.now() - 5_000);
    utimesSync(file, past, past);
    expect(inspectLease(dir, 1_000)).toMatchObject({ state: 'stale', generation: 1, holder: null });
    expect(acquireLease(dir, { timeoutMs: 1_000 })).toMatchObject({ acquired: true, lease: { generation: 2 } });
  });
});

describe('trialState', () => {
  const record = (status: TrialRecord['status']) => ({ status }) as TrialRecord;
  const view = (state: LeaseView['state'], generation: number): LeaseView =>
    state === 'free' ? { state, generation } : state === 'live' ? { state, generation, holder: null } : { state, generation, holder: null, why: 'gone' };

  it('is running under a live lease, else what the record says, else interrupted once started, else pending', () => {
    expect(trialState(undefined, view('free', -1))).toBe('pending');
    expect(trialState(undefined, view('live', 0))).toBe('running');
    expect(trialState(record('failed'), view('live', 2))).toBe('running');
    expect(trialState(undefined, view('stale', 0))).toBe('interrupted');
    expect(trialState(undefined, view('free', 0))).toBe('interrupted');
    expect(trialState(record('finished'), view('free', 0))).toBe('finished');
    expect(trialState(record('diverged'), view('stale', 0))).toBe('diverged');
    expect(trialState(record('failed'), view('free', 1))).toBe('failed');
  });
});
