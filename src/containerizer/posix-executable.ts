// Finding a task's binary before its supervisor execs it (posix-shim.ts), so a missing one fails
// the launch with spawn's error instead of showing later as an exit 127.
import { accessSync, constants as fsConstants, existsSync, statSync } from 'node:fs';
import path from 'node:path';

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
