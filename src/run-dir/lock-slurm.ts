// A lock taken inside a SLURM job records the job's id, so that a lock left by a job that died with
// its node (SIGKILL, power cut: nothing released it) can be recognised as stale from another node
// when the failed array task is re-submitted and resumes there. The process cannot be checked
// from another host, but the job can: `squeue` knows it as ended, or no longer knows it at all.
import { spawnSync } from 'node:child_process';

/** The SLURM job this process runs in (each task of a job array has its own id), if any. */
export function currentSlurmJob(): string | undefined {
  const id = process.env.SLURM_JOB_ID;
  return id && /^\d+$/.test(id) ? id : undefined;
}

/** States in which a job's processes may still be writing (squeue's %T). */
const ALIVE = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'STOPPED', 'RESIZING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'SIGNALING', 'STAGE_OUT', 'RESV_DEL_HOLD', 'SPECIAL_EXIT']);

/**
 * Why SLURM job `id` no longer holds anything ("its SLURM job 123 has ended (FAILED)"), or undefined
 * while it may be running or when squeue cannot say (not installed, no controller): then the lock
 * stays, as any lock from another host does.
 */
export function slurmJobEnded(id: string): string | undefined {
  if (!/^\d+$/.test(id)) return undefined;
  const r = spawnSync('squeue', ['--noheader', '--jobs', id, '--format', '%T'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return undefined;
  const state = r.stdout.trim().split('\n')[0]?.trim();
  if (r.status === 0 && state) return ALIVE.has(state) ? undefined : `its SLURM job ${id} has ended (${state})`;
  // squeue forgets a job some minutes after it ends (MinJobAge): "Invalid job id specified".
  if (/invalid job id/i.test(r.stderr)) return `its SLURM job ${id} has ended (squeue no longer knows it)`;
  return undefined;
}
