// The ONE place that opens SQLite databases.
//
// From source, better-sqlite3 finds its prebuilt addon on disk as usual.
// Inside the single-executable build (Node SEA) there is no node_modules: the
// addon travels as the SEA asset `better_sqlite3.node`. On first use it is
// written once to a cache directory ($TSMESOS_CACHE_DIR, else per-user) under a content-hashed name
// (temp file + rename, so concurrent starts are safe), loaded with
// `process.dlopen`, and handed to better-sqlite3 as an addon *object* through
// `nativeBinding` — which makes better-sqlite3 skip its own file-system lookup
// (lib/binding.js returns an object binding before touching the disk).
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { homedir, tmpdir, constants as osConstants } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import Database from 'better-sqlite3';

/** Name of the SEA asset holding better-sqlite3's native addon (see build/build.mjs). */
export const SQLITE_ADDON_ASSET = 'better_sqlite3.node';

export type Synchronous = 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';

export interface OpenDatabaseOptions extends Omit<Database.Options, 'nativeBinding'> {
  /** Default 'WAL'. Not applied to read-only or in-memory databases. */
  journalMode?: 'WAL' | 'DELETE' | 'TRUNCATE' | 'PERSIST' | 'MEMORY' | 'OFF';
  /** Default 'FULL': a committed Raft entry or registry write must survive power loss. */
  synchronous?: Synchronous;
  /** Default true. */
  foreignKeys?: boolean;
  /** Default 5000 ms. */
  busyTimeoutMs?: number;
}

/** Opens (creating if needed) the SQLite database at `path` with tsmesos' default pragmas. */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database.Database {
  const { journalMode = 'WAL', synchronous = 'FULL', foreignKeys = true, busyTimeoutMs = 5000, ...dbOptions } = options;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) throw new TypeError(`busyTimeoutMs must be a non-negative integer, got ${busyTimeoutMs}`);
  const binding = seaNativeBinding();
  // @types/better-sqlite3 only declares the string form; the library also accepts the addon object.
  const db = new Database(path, binding === undefined ? dbOptions : ({ ...dbOptions, nativeBinding: binding } as unknown as Database.Options));
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    if (!dbOptions.readonly && !db.memory) db.pragma(`journal_mode = ${journalMode}`);
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

// ---------------------------------------------------------------------------
// Native addon inside the SEA

type SeaModule = typeof import('node:sea');

let seaAddon: object | undefined;

/** The addon object when running as a SEA, undefined from source. */
function seaNativeBinding(): object | undefined {
  if (seaAddon) return seaAddon;
  // getBuiltinModule instead of a static import: never fails to link, whatever runs the source.
  const sea = process.getBuiltinModule?.('node:sea') as SeaModule | undefined;
  if (!sea?.isSea()) return undefined;
  // getRawAsset avoids a copy; the bytes are only read (hashed and written out).
  const bytes = new Uint8Array(sea.getRawAsset(SQLITE_ADDON_ASSET));
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const fileName = `better_sqlite3-${hash}.node`;
  const failures: string[] = [];
  for (const { dir, shared } of cacheDirCandidates()) {
    try {
      ensurePrivateDir(dir, shared);
      const file = join(dir, fileName);
      materialize(file, bytes, hash);
      const mod = { exports: {} as object };
      process.dlopen(mod, file, osConstants.dlopen.RTLD_NOW);
      seaAddon = mod.exports;
      return seaAddon;
    } catch (e) {
      // Not writable, mounted noexec, wrong owner, ...: try the next place.
      failures.push(`${dir}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new Error(`cannot load the embedded SQLite addon; tried:\n  ${failures.join('\n  ')}`);
}

function cacheDirCandidates(): { dir: string; shared: boolean }[] {
  const out: { dir: string; shared: boolean }[] = [];
  // Set by the packaged systemd units: /var/lib/tsmesos/cache (root-owned, filled by postinst;
  // the master's `tsmesos` user only reads it, so it can never plant a library root would load).
  const explicit = process.env['TSMESOS_CACHE_DIR'];
  if (explicit && isAbsolute(explicit)) out.push({ dir: explicit, shared: false });
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) {
    out.push({ dir: join(xdg, 'tsmesos'), shared: false });
  } else {
    let home = '';
    try {
      home = homedir();
    } catch {
      // no home directory (e.g. a service user): fall through to tmpdir
    }
    if (home && isAbsolute(home)) out.push({ dir: join(home, '.cache', 'tsmesos'), shared: false });
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  out.push({ dir: join(tmpdir(), `tsmesos-${uid}`), shared: true });
  return out;
}

/**
 * Creates `dir` (0700). In a shared place (tmpdir) refuse a directory that is a
 * symlink, belongs to someone else or is group/world-writable: another user
 * could otherwise plant a library we would load.
 */
function ensurePrivateDir(dir: string, shared: boolean): void {
  mkdirp(dir);
  if (!shared) return;
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error('not a directory (symlink?)');
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) throw new Error(`owned by uid ${st.uid}`);
  if ((st.mode & 0o022) !== 0) throw new Error(`unsafe permissions ${(st.mode & 0o777).toString(8)}`);
}

/**
 * mkdir -p with mode 0700, bounded by the path depth. (Node's `recursive: true` spins forever
 * where mkdir keeps answering ENOENT, e.g. under /proc.)
 */
function mkdirp(dir: string, isRetry = false): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return; // also when a concurrent start just created it
    if (code !== 'ENOENT' || isRetry || dirname(dir) === dir) throw e;
    mkdirp(dirname(dir));
    mkdirp(dir, true); // a second ENOENT is final
  }
}

/** Makes `file` hold exactly `bytes` (content hash `hash`), atomically. */
function materialize(file: string, bytes: Uint8Array, hash: string): void {
  try {
    const existing = readFileSync(file);
    if (createHash('sha256').update(existing).digest('hex').slice(0, 16) === hash) return;
  } catch {
    // missing or unreadable: (re)write it below
  }
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o755);
  try {
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file); // atomic: a concurrent start sees the old name or the complete file
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
}
