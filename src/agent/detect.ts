// Agent resource auto-detection, following Mesos' rules for whatever the
// operator did not name in `--resources`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Resources } from '../domain/resources.js';
import type { Resource } from '../domain/resources.js';

export interface HostFacts { cpuCount: number; totalMemBytes: number; diskBytes: number }

const MB = 2 ** 20;
const GB = 2 ** 30;

/** Size in bytes of the filesystem holding `dir` (its nearest existing ancestor); 0 if unknown. */
function filesystemSize(dir: string): number {
  let current = path.resolve(dir);
  for (;;) {
    try {
      const st = fs.statfsSync(current);
      const size = st.blocks * st.bsize;
      return Number.isFinite(size) && size > 0 ? size : 0;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return 0;
    }
    const parent = path.dirname(current);
    if (parent === current) return 0;
    current = parent;
  }
}

export function readHostFacts(workDir: string): HostFacts {
  return {
    cpuCount: os.availableParallelism(),
    totalMemBytes: os.totalmem(),
    diskBytes: filesystemSize(workDir),
  };
}

function known(n: number): boolean {
  return Number.isFinite(n) && n > 0;
}

/**
 * Fill in cpus/mem/disk/ports that `given` does not name (in any role):
 *   cpus  = cpuCount (1 if unknown)
 *   mem   = total - 1GB if total >= 2GB, else total / 2 (1GB if unknown), in MB
 *   disk  = size - 5GB if size >= 10GB, else size / 2 (10GB if unknown), in MB
 *   ports = [31000-32000]
 * Named resources are kept exactly as given.
 */
export function detectResources(given: Resources, facts: HostFacts): Resources {
  const named = new Set(given.toArray().map((r) => r.name));
  const extra: Resource[] = [];
  const scalar = (name: string, value: number): void => {
    extra.push({ name, type: 'SCALAR', scalar: { value }, role: '*' });
  };
  if (!named.has('cpus')) scalar('cpus', known(facts.cpuCount) ? facts.cpuCount : 1);
  if (!named.has('mem')) {
    const total = facts.totalMemBytes;
    const bytes = !known(total) ? GB : total >= 2 * GB ? total - GB : total / 2;
    scalar('mem', bytes / MB);
  }
  if (!named.has('disk')) {
    const size = facts.diskBytes;
    const bytes = !known(size) ? 10 * GB : size >= 10 * GB ? size - 5 * GB : size / 2;
    scalar('disk', bytes / MB);
  }
  if (!named.has('ports')) {
    extra.push({ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] }, role: '*' });
  }
  return given.add(Resources.of(extra));
}
