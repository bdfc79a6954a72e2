/**
 * A real single-node Slurm cluster for tests: munged, slurmctld and slurmd from Debian's slurm-wlm
 * and munge, started in the foreground as children of the test process on free loopback ports, with
 * a temporary config, key and state folder (nothing under /etc is used or changed). Commands reach it
 * through SLURM_CONF in `env`. `startSlurmCluster` returns null with the reason when the binaries are
 * missing or this is not root (slurmd must start jobs as their user); the tests print it and skip.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SlurmCluster {
  /** Environment for sbatch, squeue, scontrol, scancel and ganbench: SLURM_CONF points at the temporary config. */
  env: NodeJS.ProcessEnv;
  dir: string;
  /** The daemons' logs, for a failed test's message. */
  logs(): string;
  stop(): Promise<void>;
}

const BINARIES = ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch', '/usr/bin/squeue'];

export function slurmMissing(): string | null {
  const missing = BINARIES.filter((b) => !existsSync(b));
  if (missing.length > 0) return `Slurm is not installed (missing ${missing.join(', ')}; apt-get install slurm-wlm munge)`;
  if (process.getuid?.() !== 0) return 'the test Slurm cluster needs root (slurmd starts jobs as their owner)';
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function startSlurmCluster(): Promise<SlurmCluster | { skip: string }> {
  const why = slurmMissing();
  if (why !== null) return { skip: why };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ganbench-slurm-'));
  for (const sub of ['state', 'spool', 'munge']) mkdirSync(path.join(dir, sub), { recursive: true, mode: 0o700 });
  const key = path.join(dir, 'munge', 'munge.key');
  // A fresh 1 KiB key: munged accepts 32 bytes to 1 MiB, owned by its user, mode 0600.
  writeFileSync(key, Buffer.from(Array.from({ length: 1024 }, () => Math.floor(Math.random() * 256))), { mode: 0o600 });
  const socket = path.join(dir, 'munge', 'munge.socket');
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const host = os.hostname().split('.')[0] as string;
  const memoryMb = Math.floor(os.totalmem() / 2 ** 20 / 2);
  const conf = path.join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=ganbench-test',
      `SlurmctldHost=${host}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      'AuthType=auth/munge',
      'CredType=cred/munge',
      // cred_expire is also how long a requeued job waits before it may start again (default 120 s).
      `AuthInfo=socket=${socket},cred_expire=5`,
      'SlurmUser=root',
      'SlurmdUser=root',
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/slurmctld.log`,
      `SlurmdLogFile=${dir}/slurmd.log`,
      // No cgroups in a container: track processes by parentage, no task binding.
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'SchedulerType=sched/builtin',
      'SchedulerParameters=sched_interval=1',
      'AccountingStorageType=accounting_storage/none',
      'JobAcctGatherType=jobacct_gather/none',
      'JobCompType=jobcomp/none',
      'MpiDefault=none',
      'ReturnToService=2',
      // Ended jobs stay visible to squeue/scontrol long enough for the tests to look.
      'MinJobAge=600',
      'KillWait=20',
      'SlurmdTimeout=30',
      'InactiveLimit=0',
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${os.availableParallelism()} RealMemory=${memoryMb} State=UNKNOWN`,
      'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };
  const children: ChildProcess[] = [];
  const start = (command: string, args: string[]) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    children.push(child);
    return () => stderr;
  };
  const mungeErr = start('/usr/sbin/munged', [
    '--foreground',
    '--force',
    `--key-file=${key}`,
    `--socket=${socket}`,
    `--pid-file=${dir}/munge/munged.pid`,
    `--log-file=${dir}/munge/munged.log`,
    `--seed-file=${dir}/munge/munged.seed`,
  ]);
  const logs = () =>
    `${['slurmctld.log', 'slurmd.log', 'munge/munged.log']
      .map((f) => {
        const file = path.join(dir, f);
        return `== ${f}\n${existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-30).join('\n') : '(none)'}`;
      })
      .join('\n')}\n== munged stderr\n${mungeErr()}`;
  const stop = async () => {
    for (const child of children.reverse()) child.kill('SIGTERM');
    await sleep(300);
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const until = async (what: string, ok: () => boolean, ms: number) => {
    for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(200)) if (ok()) return;
    await stop();
    throw new Error(`test Slurm cluster: ${what} did not come up in ${ms / 1000} s\n${logs()}`);
  };
  await until('munged', () => existsSync(socket), 10_000);
  start('/usr/sbin/slurmctld', ['-D', '-i', '-f', conf]);
  start('/usr/sbin/slurmd', ['-D', '-f', conf, '-N', host]);
  await until(
    'the node',
    () => {
      try {
        const state = execFileSync('sinfo', ['-h', '-N', '-o', '%T'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
        return state === 'idle';
      } catch {
        return false;
      }
    },
    30_000,
  );
  return { env, dir, logs, stop };
}
