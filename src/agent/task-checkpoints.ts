// Checkpoints of the tasks of checkpointing frameworks (FrameworkInfo.checkpoint, as in Mesos):
// enough for a restarted agent to take their containers back and keep reporting them, and to
// report an ended task until its terminal update is acknowledged.
// `<workDir>/meta/tasks/<containerId>.json` (paths.ts), written temp-then-rename on each state change.
import fs from 'node:fs';
import path from 'node:path';
import type { FrameworkInfo, TaskInfo } from '../wire/mesos.js';
import type { TaskState } from '../domain/task-state.js';
import { taskCheckpointsDir, ensureDirBelow } from './paths.js';

export interface TaskCheckpoint {
  frameworkId: string;
  frameworkInfo: FrameworkInfo;
  /** The task as v1 TaskInfo (the wire form survives versions better than our internal one). */
  task: TaskInfo;
  containerId: string;
  sandbox: string;
  state: TaskState;
  launchedAt: number;
}

const tasksDir = taskCheckpointsDir;

export function saveTaskCheckpoint(workDir: string, c: TaskCheckpoint): void {
  const dir = tasksDir(workDir);
  if (!ensureDirBelow(workDir, dir)) return; // the work dir was removed: nothing to keep a checkpoint in
  const file = path.join(dir, `${c.containerId}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  // Not fsynced: an agent crash keeps the page cache, and a power loss is a reboot, after which
  // checkpoints are forgotten anyway (boot.ts). Written on every state change of every task.
  fs.writeFileSync(tmp, JSON.stringify(c), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function removeTaskCheckpoint(workDir: string, containerId: string): void {
  fs.rmSync(path.join(tasksDir(workDir), `${containerId}.json`), { force: true });
}

/** Every readable checkpoint; unreadable ones are returned as errors to log, and removed. */
export function loadTaskCheckpoints(workDir: string): { checkpoints: TaskCheckpoint[]; errors: string[] } {
  const dir = tasksDir(workDir);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return { checkpoints: [], errors: [] };
  }
  const checkpoints: TaskCheckpoint[] = [];
  const errors: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      checkpoints.push(JSON.parse(fs.readFileSync(file, 'utf8')) as TaskCheckpoint);
    } catch (e) {
      errors.push(`${file}: ${e instanceof Error ? e.message : String(e)}`);
      fs.rmSync(file, { force: true });
    }
  }
  return { checkpoints, errors };
}
