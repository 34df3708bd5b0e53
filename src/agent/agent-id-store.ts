import fs from 'node:fs';
import path from 'node:path';
import { metaDir } from './paths.js';

// The agent's identity checkpoint (Mesos keeps `meta/slaves/latest` and `meta/boot_id`).
// A reboot invalidates it: Mesos agents register anew after a reboot.

interface Stored { agentId: string; bootId: string }

function currentBootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

export function loadAgentId(workDir: string): string | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(metaDir(workDir), 'agent.json'), 'utf8')) as Partial<Stored>;
    return typeof s.agentId === 'string' && s.bootId === currentBootId() ? s.agentId : undefined;
  } catch {
    return undefined;
  }
}

/** Write-temp-then-rename with fsync, so a crash leaves the old or the new id, never half of one. */
export function saveAgentId(workDir: string, agentId: string): void {
  const dir = metaDir(workDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.agent.json.${process.pid}`);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify({ agentId, bootId: currentBootId() } satisfies Stored));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, 'agent.json'));
}
