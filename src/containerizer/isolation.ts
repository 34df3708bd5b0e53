// Which isolation the posix containerizer gets (Mesos --isolation): cgroups where asked for or,
// by default, wherever this host's cgroups are writable; posix accounting otherwise.
import { createHash } from 'node:crypto';
import { TsmesosError } from '../domain/errors.js';
import { detectCgroups, type Detected } from './cgroups-fs.js';
import { CgroupsIsolator } from './cgroups.js';

export interface IsolationRequest {
  cpu: 'cgroups' | 'posix';
  mem: 'cgroups' | 'posix';
}

export interface IsolationChoice {
  /** Undefined: posix/cpu,posix/mem. */
  isolator: CgroupsIsolator | undefined;
  /** Why the default fell back to posix, for the log. */
  fallbackReason?: string;
}

/** One cgroup root per agent work directory, so agents sharing a host never touch each other's containers. */
export function cgroupRootName(workDir: string): string {
  return `tsmesos-${createHash('sha256').update(workDir).digest('hex').slice(0, 12)}`;
}

/** `requested` null: the default. An explicit cgroups request that cannot be met is an error, never a silent downgrade. */
export function chooseIsolation(requested: IsolationRequest | null, rootName: string, detect: () => Detected = () => detectCgroups()): IsolationChoice {
  const wanted = requested ?? { cpu: 'cgroups', mem: 'cgroups' };
  if (wanted.cpu === 'posix' && wanted.mem === 'posix') return { isolator: undefined };
  const asked = `--isolation ${wanted.cpu}/cpu,${wanted.mem}/mem`;
  const detected = detect();
  if (!detected.ok) {
    if (requested === null) return { isolator: undefined, fallbackReason: detected.reason };
    throw new TsmesosError('UNAVAILABLE', `${asked}: ${detected.reason}`);
  }
  const isolator = new CgroupsIsolator(detected.layout, { cpu: wanted.cpu === 'cgroups', mem: wanted.mem === 'cgroups' }, rootName);
  try {
    isolator.prepareRoot();
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    if (requested === null) return { isolator: undefined, fallbackReason: reason };
    throw new TsmesosError('UNAVAILABLE', `${asked}: ${reason}`, { cause: e });
  }
  return { isolator };
}
