import { mkdirSync, mkdtempSync, readlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { acquireLease, appendClusterJob, appendTrialRecord, LEASE_DIR, recordTrialIndex } from '@ganbench/study-folder';
import { exampleTrialRecord } from '@ganbench/study-folder/testing';
import { describe, expect, it } from 'vitest';
import { runCli as run } from './testing/runCli.js';

/**
 * A folder with one trial in each state: t0 pending (never started), t1 running (a live lease of this
 * process), t2 interrupted (a lease whose process is gone, no record), t3 finished, t4 diverged, t5 failed.
 */
function folder(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'ganbench-status-')), 'tiny');
  recordTrialIndex(dir, { study: 'tiny', hash: 'abcd1234', trials: ['t0', 't1', 't2', 't3', 't4', 't5'] });
  const held = acquireLease(path.join(dir, 'trials', 't1'));
  if (!held.acquired) throw new Error('expected the lease');
  // A lease left by a runner of this host whose process is gone: stale at once, so t2 is interrupted.
  mkdirSync(path.join(dir, 'trials', 't2', LEASE_DIR), { recursive: true });
  const dead = {
    host: hostname(),
    pidNamespace: readlinkSync('/proc/self/ns/pid'),
    pid: 2 ** 22 - 1,
    token: 'dead',
    acquiredAt: '2026-01-01T00:00:00.000Z',
    heartbeat: Date.now(),
  };
  writeFileSync(path.join(dir, 'trials', 't2', LEASE_DIR, '0.json'), JSON.stringify(dead));
  appendTrialRecord(dir, exampleTrialRecord('t3', { study: 'tiny' }));
  appendTrialRecord(dir, exampleTrialRecord('t4', { study: 'tiny', status: 'diverged', divergedAt: 7 }));
  appendTrialRecord(dir, exampleTrialRecord('t5', { study: 'tiny', status: 'failed', error: 'Error: out of memory\n    at step 3' }));
  appendClusterJob(dir, {
    scheduler: 'slurm',
    role: 'trials',
    jobId: '41',
    indices: [0, 1, 2, 3, 4, 5],
    submittedAt: '2026-12-01T00:00:00.000Z',
    hash: 'abcd1234',
  });
  return dir;
}

describe('ganbench status DIR', () => {
  it('prints every trial with its state, where and since when a running one runs, a failed one’s error, the counts and the jobs', async () => {
    const dir = folder();
    const { code, stdout } = await run('status', dir);
    expect(code).toBe(0);
    expect(stdout).toContain('study tiny (hash abcd1234): 6 trials');
    expect(stdout).toContain('1 pending, 1 running, 1 interrupted, 1 finished, 1 diverged, 1 failed');
    expect(stdout).toMatch(/ {3}0 t0 {2}pending/);
    expect(stdout).toMatch(new RegExp(`1 t1 {2}running +on ${hostname()} pid ${process.pid} since \\d{4}-\\d\\d-\\d\\dT`));
    expect(stdout).toMatch(/2 t2 {2}interrupted/);
    expect(stdout).toMatch(/4 t4 {2}diverged .*diverged at step 7/);
    expect(stdout).toMatch(/5 t5 {2}failed .*: Error: out of memory\n/);
    expect(stdout).toContain('slurm job 41: trials 0-5, submitted 2026-12-01T00:00:00.000Z');
  });

  it('--json gives the same for scripts', async () => {
    const dir = folder();
    const { stdout } = await run('status', dir, '--json');
    const status = JSON.parse(stdout);
    expect(status.counts).toEqual({ pending: 1, running: 1, interrupted: 1, finished: 1, diverged: 1, failed: 1 });
    expect(status.trials.map((t: { state: string }) => t.state)).toEqual(['pending', 'running', 'interrupted', 'finished', 'diverged', 'failed']);
    expect(status.trials[1]).toMatchObject({ index: 1, id: 't1', host: hostname(), pid: process.pid });
    expect(status.trials[5].error).toContain('out of memory');
    expect(status.jobs).toHaveLength(1);
  });

  it('a folder that does not exist is bad input naming it', async () => {
    const { code, stderr } = await run('status', '/nonexistent/results/x');
    expect(code).toBe(2);
    expect(stderr).toContain("'/nonexistent/results/x' does not exist");
  });
});
