// The pre-exec gate of a cgroup-isolated posix task: the child is a shell that the agent forks
// inside the container's cgroups (not yet limited: the agent itself is in them during the fork),
// which waits on a pipe (fd 3) until the agent has written the limits, then closes the pipe and
// execs the task in place (same pid, same process group). Without it a task could allocate
// before its memory limit landed. If the agent dies before releasing it, the gate exits 125.
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync, statSync } from 'node:fs';
import path from 'node:path';

/** bash keeps Mesos's argv0 (`exec -a`); a host without bash loses only that. */
const BASH = '/bin/bash';
const GATE = 'IFS= read -r go <&3 && [ "$go" = go ] || exit 125; exec 3<&-';

export function gatedCommand(cmd: { file: string; args: string[]; argv0: string }): { file: string; args: string[]; argv0?: string } {
  if (existsSync(BASH)) return { file: BASH, args: ['-c', `${GATE}; exec -a "$0" "$@"`, cmd.argv0, cmd.file, ...cmd.args] };
  return { file: '/bin/sh', args: ['-c', `${GATE}; exec "$@"`, 'tsmesos-gate', cmd.file, ...cmd.args] };
}

export function releaseGate(child: ChildProcess): void {
  const pipe = child.stdio[3] as NodeJS.WritableStream | null | undefined;
  if (!pipe) throw new Error('the gate pipe of the task is missing');
  pipe.end('go\n');
}

/** Why `file` cannot be executed (spawn's errno), found as execvp would: PATH unless it has a slash. */
export function missingExecutable(file: string, cwd: string, searchPath: string | undefined): NodeJS.ErrnoException | null {
  const candidates = file.includes('/')
    ? [path.resolve(cwd, file)]
    : (searchPath ?? '/usr/local/bin:/usr/bin:/bin').split(':').map((dir) => path.resolve(cwd, dir === '' ? '.' : dir, file));
  let denied = false;
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    if (!statSync(candidate).isFile()) {
      denied = true;
      continue;
    }
    try {
      accessSync(candidate, fsConstants.X_OK);
      return null;
    } catch {
      denied = true;
    }
  }
  return Object.assign(new Error(`${file}: ${denied ? 'permission denied' : 'not found'}`), { code: denied ? 'EACCES' : 'ENOENT' });
}
