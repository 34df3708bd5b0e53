// The user a task runs as, seen from the agent's side: its ids (through NSS, as the task's
// supervisor sees them) and whether it may read a host file. The fetcher runs as the agent (root)
// while Mesos's runs as the task's user: a local URI the task's user could not read itself (say
// /etc/shadow) must not land in a sandbox that is then chowned to that user.
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface UserIds {
  name: string;
  uid: number;
  /** The primary group first, then the supplementary ones. */
  gids: number[];
}

/** `id -u NAME` and `id -G NAME`; undefined for a user this host does not know. */
export async function resolveUser(name: string): Promise<UserIds | undefined> {
  try {
    const [u, g] = await Promise.all([run('id', ['-u', '--', name]), run('id', ['-G', '--', name])]);
    const uid = Number(u.stdout.trim());
    const gids = g.stdout.trim().split(/\s+/).map(Number);
    if (!Number.isInteger(uid) || gids.some((x) => !Number.isInteger(x))) return undefined;
    return { name, uid, gids };
  } catch {
    return undefined;
  }
}

/** Whether the permission bits let `user` search every directory on the way to `file` and read it (ACLs not consulted: a refusal at worst). */
export async function canRead(user: UserIds, file: string): Promise<boolean> {
  if (user.uid === 0) return true;
  const allows = async (p: string, bits: { owner: number; group: number; other: number }): Promise<boolean> => {
    const st = await stat(p);
    if (st.uid === user.uid) return (st.mode & bits.owner) !== 0;
    if (user.gids.includes(st.gid)) return (st.mode & bits.group) !== 0;
    return (st.mode & bits.other) !== 0;
  };
  const resolved = path.resolve(file);
  const dirs: string[] = [];
  for (let d = path.dirname(resolved); ; d = path.dirname(d)) {
    dirs.push(d);
    if (d === path.dirname(d)) break;
  }
  try {
    for (const d of dirs.reverse()) if (!(await allows(d, { owner: 0o100, group: 0o010, other: 0o001 }))) return false;
    return await allows(resolved, { owner: 0o400, group: 0o040, other: 0o004 });
  } catch {
    return false;
  }
}
