// The agent's on-disk layout, in one place (Mesos src/slave/paths.hpp):
//
//   <workDir>/meta                                  checkpoints (all of them are forgotten after a reboot)
//   <workDir>/meta/boot_id                          the boot the checkpoints belong to
//   <workDir>/meta/tasks/<containerId>.json         tasks of checkpointing frameworks (task-checkpoints.ts)
//   <workDir>/meta/updates/<sha256>.jsonl           their unacknowledged status updates (status-update-journal.ts)
//   <workDir>/meta/containers/<containerId>/        posix containers: container.json (supervisor pid and start
//                                                   time, task pid), exit (the task's wait status, written by
//                                                   the supervisor) (containerizer/posix-recovery.ts)
//   <workDir>/slaves/latest -> <agentId>
//   <workDir>/slaves/<agentId>/frameworks/<frameworkId>/executors/<executorId>/runs/<containerId>   sandbox
//   <workDir>/slaves/<agentId>/frameworks/<frameworkId>/executors/<executorId>/runs/latest -> <containerId>
//
// Ids come from frameworks, so every id is validated before it becomes a path segment.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, stat, symlink } from 'node:fs/promises';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { TsmesosError } from '../domain/errors.js';
import { idProblem } from '../domain/ids.js';

export interface ExecutorIds {
  agentId: string;
  frameworkId: string;
  executorId: string;
}

export interface RunIds extends ExecutorIds {
  containerId: string;
}

export const LATEST = 'latest';

/** Throws BAD_REQUEST unless `id` is safe as one path segment. `kind` names it in the message. */
export function assertSafePathId(kind: string, id: string): void {
  const why = idProblem(id);
  if (why !== undefined) throw new TsmesosError('BAD_REQUEST', `Invalid ${kind} ${JSON.stringify(id.slice(0, 64))}: ${why}`);
}

/** Agent and container ids sit next to a `latest` symlink, so they must not be called that. */
function assertLinkSiblingId(kind: string, id: string): void {
  assertSafePathId(kind, id);
  if (id === LATEST) throw new TsmesosError('BAD_REQUEST', `Invalid ${kind} "${LATEST}": reserved for the latest symlink`);
}

/**
 * mkdir -p of `dir` below `root`, unless `root` itself is gone: a late write (a task's checkpoint
 * or update as the agent stops) must not bring back a work directory someone removed. Returns
 * whether `dir` exists now.
 */
export function ensureDirBelow(root: string, dir: string): boolean {
  if (!existsSync(root)) return false;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return true;
}

export function metaDir(workDir: string): string {
  return path.join(workDir, 'meta');
}

export function bootIdFile(workDir: string): string {
  return path.join(metaDir(workDir), 'boot_id');
}

export function taskCheckpointsDir(workDir: string): string {
  return path.join(metaDir(workDir), 'tasks');
}

export function updateJournalDir(workDir: string): string {
  return path.join(metaDir(workDir), 'updates');
}

/** The posix containerizer's state dir (its checkpoints of running containers). */
export function posixContainersDir(workDir: string): string {
  return path.join(metaDir(workDir), 'containers');
}

export function agentsDir(workDir: string): string {
  return path.join(workDir, 'slaves');
}

export function latestAgentLink(workDir: string): string {
  return path.join(agentsDir(workDir), LATEST);
}

export function agentDir(workDir: string, agentId: string): string {
  assertLinkSiblingId('agent id', agentId);
  return path.join(agentsDir(workDir), agentId);
}

export function frameworkDir(workDir: string, agentId: string, frameworkId: string): string {
  assertSafePathId('framework id', frameworkId);
  return path.join(agentDir(workDir, agentId), 'frameworks', frameworkId);
}

export function executorDir(workDir: string, ids: ExecutorIds): string {
  assertSafePathId('executor id', ids.executorId);
  return path.join(frameworkDir(workDir, ids.agentId, ids.frameworkId), 'executors', ids.executorId);
}

export function runsDir(workDir: string, ids: ExecutorIds): string {
  return path.join(executorDir(workDir, ids), 'runs');
}

export function latestRunLink(workDir: string, ids: ExecutorIds): string {
  return path.join(runsDir(workDir, ids), LATEST);
}

/** The sandbox of one executor run: where the task's cwd, stdout and stderr live. */
export function sandboxDir(workDir: string, ids: RunIds): string {
  assertLinkSiblingId('container id', ids.containerId);
  return path.join(runsDir(workDir, ids), ids.containerId);
}

/** Creates the sandbox (mkdir -p) and points both `latest` links at it. Returns the sandbox path. */
export async function createSandbox(workDir: string, ids: RunIds): Promise<string> {
  const dir = sandboxDir(workDir, ids);
  await mkdir(dir, { recursive: true });
  await pointLatestLink(latestRunLink(workDir, ids), ids.containerId);
  await pointLatestLink(latestAgentLink(workDir), ids.agentId);
  await makeTraversable(workDir, path.dirname(dir));
  return dir;
}

/**
 * Search (x, not read) permission for everyone on `from` and each directory down to `to`, so a task
 * running as another user (--switch-user) reaches its sandbox by its absolute path ($MESOS_SANDBOX),
 * as under Mesos's work dir; their listings stay private (meta/ is not on the way).
 */
async function makeTraversable(from: string, to: string): Promise<void> {
  const rel = path.relative(from, to);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return;
  let dir = from;
  for (const part of ['', ...rel.split(path.sep).filter((p) => p !== '')]) {
    dir = path.join(dir, part);
    const mode = (await stat(dir)).mode & 0o7777;
    if ((mode & 0o011) !== 0o011) await chmod(dir, mode | 0o011);
  }
}

/**
 * Atomically (re)points `linkPath` at `target` (relative to the link's directory, so the work dir
 * can be moved): readers see the old or the new link, never a missing one.
 */
export async function pointLatestLink(linkPath: string, target: string): Promise<void> {
  const temp = `${linkPath}.tmp-${randomBytes(6).toString('hex')}`;
  await symlink(target, temp);
  try {
    await rename(temp, linkPath);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}
