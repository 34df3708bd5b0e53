// End of a test file: what agents under the file's temp dirs left outside those dirs (an agent
// killed with SIGKILL cannot clean up): their posix tasks (found by the posix containerizer's
// checkpoints: supervisor pid + start time), their cgroups (tasks inside are killed) and their
// docker containers (labelled tsmesos.agent=<agent work dir>).
import fs from 'node:fs';
import path from 'node:path';
import { detectCgroups } from '../../src/containerizer/cgroups-fs.js';
import { CgroupsIsolator } from '../../src/containerizer/cgroups.js';
import { cgroupRootName } from '../../src/containerizer/isolation.js';
import { loadContainerStates, processStartTime } from '../../src/containerizer/posix-recovery.js';
import { posixContainersDir } from '../../src/agent/paths.js';

const DOCKER_SOCKET = '/var/run/docker.sock';

/** Agent work dirs (`<data dir>/agent`) up to a few levels below `dir`. */
function agentWorkDirs(dir: string, depth = 3): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const child = path.join(dir, e.name);
    if (e.name === 'agent') found.push(child);
    else if (depth > 0 && e.name !== 'slaves' && e.name !== 'meta') found.push(...agentWorkDirs(child, depth - 1));
  }
  return found;
}

export async function removeAgentLeftovers(dirs: Iterable<string>): Promise<void> {
  const workDirs = [...dirs].flatMap((d) => agentWorkDirs(d));
  if (workDirs.length === 0) return;
  for (const workDir of workDirs) killPosixContainers(posixContainersDir(workDir));
  const detected = detectCgroups();
  if (detected.ok) {
    for (const workDir of workDirs) {
      await new CgroupsIsolator(detected.layout, { cpu: true, mem: true }, cgroupRootName(workDir)).removeRoot();
    }
  }
  if (fs.existsSync(DOCKER_SOCKET)) {
    const { default: Docker } = await import('dockerode');
    const docker = new Docker({ socketPath: DOCKER_SOCKET });
    for (const workDir of workDirs) {
      const list = await docker.listContainers({ all: true, filters: { label: [`tsmesos.agent=${workDir}`] } }).catch(() => []);
      await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    }
  }
}

/** SIGKILLs the task process group and the supervisor of every checkpointed posix container still running. */
export function killPosixContainers(stateDir: string): void {
  for (const { checkpoint: cp } of loadContainerStates(stateDir)) {
    if (!cp || processStartTime(cp.shimPid) !== cp.shimStartTime) continue;
    for (const target of [-cp.taskPid, cp.shimPid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
