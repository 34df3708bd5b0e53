// What the posix containerizer keeps on disk so a restarted agent can take its tasks back:
// `<stateDir>/<containerId>/container.json` (written once the task runs) and `exit` (the task's
// raw wait status, written by the shim when the task ends). A process is identified by pid AND its
// start time (/proc/<pid>/stat field 22): a pid alone may have been reused by then.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ContainerResources } from './types.js';

export interface PosixCheckpoint {
  containerId: string;
  /** /proc/sys/kernel/random/boot_id when launched: processes of another boot are gone. */
  bootId: string;
  shimPid: number;
  shimStartTime: string;
  /** Also the task's process group. */
  taskPid: number;
  resources: ContainerResources;
  /** Whether the container has cgroups to re-attach to. */
  cgroup: boolean;
}

export const CHECKPOINT_FILE = 'container.json';
export const EXIT_FILE = 'exit';

export function containerStateDir(stateDir: string, containerId: string): string {
  return path.join(stateDir, containerId);
}

export function exitFileOf(stateDir: string, containerId: string): string {
  return path.join(containerStateDir(stateDir, containerId), EXIT_FILE);
}

/** Creates the container's state directory (before the shim needs it for its exit file). */
export function prepareContainerState(stateDir: string, containerId: string): void {
  mkdirSync(containerStateDir(stateDir, containerId), { recursive: true, mode: 0o700 });
}

/**
 * Written temp-then-rename, not fsynced: a crash of the agent keeps what it wrote in the page
 * cache, and a power loss is a reboot, after which nothing is adopted anyway.
 */
export function saveCheckpoint(stateDir: string, cp: PosixCheckpoint): void {
  const file = path.join(containerStateDir(stateDir, cp.containerId), CHECKPOINT_FILE);
  writeFileSync(`${file}.tmp`, JSON.stringify(cp), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function removeContainerState(stateDir: string, containerId: string): void {
  rmSync(containerStateDir(stateDir, containerId), { recursive: true, force: true });
}

/** Every container directory: its checkpoint when readable (a launch the agent died in has none). */
export function loadContainerStates(stateDir: string): { containerId: string; checkpoint: PosixCheckpoint | undefined }[] {
  let names: string[];
  try {
    names = readdirSync(stateDir);
  } catch {
    return [];
  }
  return names.map((containerId) => {
    try {
      const cp = JSON.parse(readFileSync(path.join(stateDir, containerId, CHECKPOINT_FILE), 'utf8')) as PosixCheckpoint;
      return { containerId, checkpoint: cp.containerId === containerId && Number.isInteger(cp.shimPid) && Number.isInteger(cp.taskPid) ? cp : undefined };
    } catch {
      return { containerId, checkpoint: undefined };
    }
  });
}

/** The raw wait status the shim wrote, if it did. */
export function readExitStatus(stateDir: string, containerId: string): number | undefined {
  try {
    const text = readFileSync(exitFileOf(stateDir, containerId), 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Start time of a live process (clock ticks after boot); undefined when it is gone or a zombie. */
export function processStartTime(pid: number, procRoot = '/proc'): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(path.join(procRoot, String(pid), 'stat'), 'utf8');
  } catch {
    return undefined;
  }
  return parseStartTime(stat);
}

/** Field 22 of /proc/<pid>/stat (the command name, field 2, may hold spaces and parentheses); undefined for a zombie. */
export function parseStartTime(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 is fields[19].
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return fields[19];
}

export function readBootId(file = '/proc/sys/kernel/random/boot_id'): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return 'unknown';
  }
}
