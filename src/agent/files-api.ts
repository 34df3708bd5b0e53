// Mesos agent /files API: read, browse and download files inside the sandboxes.
// Every path is hostile input: it must resolve (symlinks included) inside one of the allowed roots.
import { constants as fsConstants, type Stats } from 'node:fs';
import { lstat, open, readdir, readFile, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTP_STATUS, TsmesosError, isTsmesosError } from '../domain/errors.js';
import { silentLogger, type Logger } from '../lib/log.js';

export interface FilesAppOptions {
  /** Directories that may be served (the agent's sandboxes); asked again on every request. */
  roots: () => readonly string[];
  /** Most bytes one /files/read returns. Default 1 MiB. */
  maxReadBytes?: number;
  logger?: Logger;
}

export interface ReadResult {
  offset: number;
  data: string;
}

export interface BrowseEntry {
  path: string;
  nlink: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** `ls -l` style, e.g. "-rw-r--r--". */
  mode: string;
  uid: string;
  gid: string;
}

const DEFAULT_MAX_READ_BYTES = 1024 * 1024;
/** Linux PATH_MAX: anything longer cannot name a file. */
const MAX_PATH_BYTES = 4096;

export function createFilesApp(options: FilesAppOptions): Hono {
  const maxReadBytes = options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES;
  const logger = (options.logger ?? silentLogger).child('files');
  const app = new Hono();

  app.get('/files/read', async (c) => {
    const target = await resolveAllowed(c.req.query('path'), options.roots());
    if (!target.stats.isFile()) throw notRegularFile(target.requested);
    const offset = parseIntegerParam('offset', c.req.query('offset'));
    const length = parseIntegerParam('length', c.req.query('length'));
    return c.json(await readChunk(target, offset, length, maxReadBytes));
  });

  app.get('/files/browse', async (c) => {
    const target = await resolveAllowed(c.req.query('path'), options.roots());
    if (!target.stats.isDirectory()) throw new TsmesosError('BAD_REQUEST', `Not a directory: ${target.requested}`);
    return c.json(await listDirectory(target));
  });

  app.get('/files/download', async (c) => {
    const target = await resolveAllowed(c.req.query('path'), options.roots());
    if (!target.stats.isFile()) throw notRegularFile(target.requested);
    const { handle, size } = await openVerified(target);
    c.header('Content-Type', 'application/octet-stream');
    c.header('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(path.basename(target.requested))}`);
    c.header('Content-Length', String(size));
    if (size === 0) {
      await handle.close();
      return c.body(null);
    }
    // Serve exactly the size we announced, even if the task keeps appending.
    const stream = handle.createReadStream({ start: 0, end: size - 1, autoClose: true });
    return c.body(Readable.toWeb(stream) as ReadableStream<Uint8Array>);
  });

  app.onError((err, c) => {
    if (isTsmesosError(err)) return c.json({ code: err.code, message: err.message }, HTTP_STATUS[err.code] as ContentfulStatusCode);
    logger.error('files request failed', { err, path: c.req.path });
    return c.json({ code: 'INTERNAL', message: 'Internal error' }, 500);
  });

  return app;
}

interface AllowedTarget {
  /** The normalized path the client asked for (what browse echoes back). */
  requested: string;
  /** Symlink-free path, checked to be inside a root. */
  real: string;
  stats: Stats;
}

async function resolveAllowed(raw: string | undefined, roots: readonly string[]): Promise<AllowedTarget> {
  const requested = validatePathParam(raw);
  const allowed = await resolveRoots(roots);
  if (!allowed.some((root) => isInside(root.lexical, requested) || isInside(root.real, requested))) {
    throw forbidden(requested);
  }
  let real: string;
  try {
    real = await realpath(requested);
  } catch (e) {
    throw fsError(e, requested);
  }
  // Catches `..` hidden behind symlinks and symlinks that point out of the sandbox.
  if (!allowed.some((root) => isInside(root.real, real))) throw forbidden(requested);
  try {
    return { requested, real, stats: await stat(real) };
  } catch (e) {
    throw fsError(e, requested);
  }
}

function validatePathParam(raw: string | undefined): string {
  if (raw === undefined || raw === '') throw new TsmesosError('BAD_REQUEST', "Missing 'path' query parameter");
  if (raw.includes('\0')) throw new TsmesosError('BAD_REQUEST', "'path' must not contain NUL bytes");
  if (Buffer.byteLength(raw, 'utf8') > MAX_PATH_BYTES) {
    throw new TsmesosError('BAD_REQUEST', `'path' is longer than ${MAX_PATH_BYTES} bytes`);
  }
  if (!path.isAbsolute(raw)) throw new TsmesosError('BAD_REQUEST', "'path' must be an absolute path");
  return path.resolve(raw);
}

async function resolveRoots(roots: readonly string[]): Promise<{ lexical: string; real: string }[]> {
  const resolved = await Promise.all(
    roots.map(async (root) => {
      const lexical = path.resolve(root);
      // A root that does not exist yet serves nothing.
      const real = await realpath(lexical).catch(() => undefined);
      return real === undefined ? undefined : { lexical, real };
    }),
  );
  return resolved.filter((r) => r !== undefined);
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/**
 * Opens the checked file and confirms it is still the same inode, so swapping a path component for a
 * symlink (or a FIFO) between the check and the open cannot redirect or block the read.
 */
async function openVerified(target: AllowedTarget): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(target.real, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (e) {
    throw fsError(e, target.requested);
  }
  const opened = await handle.stat().catch(async (e: unknown) => {
    await handle.close();
    throw e;
  });
  if (opened.dev !== target.stats.dev || opened.ino !== target.stats.ino || !opened.isFile()) {
    await handle.close();
    throw new TsmesosError('FORBIDDEN', `File changed while being opened: ${target.requested}`);
  }
  return { handle, size: opened.size };
}

/** Mesos semantics: no offset (or -1) reports the size; reads past the end return no data. */
async function readChunk(target: AllowedTarget, offset: number | undefined, length: number | undefined, maxReadBytes: number): Promise<ReadResult> {
  const { handle, size } = await openVerified(target);
  try {
    if (offset === undefined || offset === -1) return { offset: size, data: '' };
    const wanted = length === undefined || length === -1 ? maxReadBytes : Math.min(length, maxReadBytes);
    const count = Math.max(0, Math.min(wanted, size - offset));
    const buffer = Buffer.alloc(count);
    let filled = 0;
    while (filled < count) {
      const { bytesRead } = await handle.read(buffer, filled, count - filled, offset + filled);
      if (bytesRead === 0) break; // truncated while reading
      filled += bytesRead;
    }
    const bytes = buffer.subarray(0, filled);
    // Don't split a UTF-8 character across two reads; the client asks for the rest next time.
    const text = offset + filled < size ? withoutPartialUtf8Tail(bytes) : bytes;
    return { offset, data: text.toString('utf8') };
  } finally {
    await handle.close();
  }
}

/** Drops an incomplete multi-byte UTF-8 sequence at the end of `bytes`. */
function withoutPartialUtf8Tail(bytes: Buffer): Buffer {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}

function parseIntegerParam(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = /^-?\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) throw new TsmesosError('BAD_REQUEST', `'${name}' must be an integer, got ${JSON.stringify(raw.slice(0, 32))}`);
  if (value < -1) throw new TsmesosError('BAD_REQUEST', `'${name}' must be -1 or non-negative`);
  return value;
}

async function listDirectory(target: AllowedTarget): Promise<BrowseEntry[]> {
  return (await listEntries(target)).map((e) => e.entry);
}

interface ListedEntry {
  entry: BrowseEntry;
  /** st_mode and mtime as numbers (the v1 API's FileInfo). */
  mode: number;
  mtimeMs: number;
}

function describe(requestedPath: string, info: Stats, accounts: { users: Map<number, string>; groups: Map<number, string> }): ListedEntry {
  return {
    entry: {
      path: requestedPath,
      nlink: info.nlink,
      size: info.size,
      mtime: Math.floor(info.mtimeMs / 1000),
      mode: modeString(info),
      uid: accounts.users.get(info.uid) ?? String(info.uid),
      gid: accounts.groups.get(info.gid) ?? String(info.gid),
    },
    mode: info.mode,
    mtimeMs: info.mtimeMs,
  };
}

async function listEntries(target: AllowedTarget): Promise<ListedEntry[]> {
  let names: string[];
  try {
    names = await readdir(target.real);
  } catch (e) {
    throw fsError(e, target.requested);
  }
  const accounts = await loadAccountNames();
  const entries = await Promise.all(
    names.map(async (name): Promise<ListedEntry | undefined> => {
      // lstat: describe a symlink itself, never the (possibly outside) file it points to.
      const info = await lstat(path.join(target.real, name)).catch(() => undefined);
      if (!info) return undefined; // removed while listing
      return describe(path.join(target.requested, name), info, accounts);
    }),
  );
  return entries.filter((e) => e !== undefined).sort((a, b) => (a.entry.path < b.entry.path ? -1 : a.entry.path > b.entry.path ? 1 : 0));
}

/**
 * The v1 API's LIST_FILES: a directory's entries (or a file's own), with the same path confinement
 * as /files/browse.
 */
export async function listFiles(raw: string, roots: readonly string[]): Promise<ListedEntry[]> {
  const target = await resolveAllowed(raw, roots);
  if (target.stats.isDirectory()) return listEntries(target);
  return [describe(target.requested, target.stats, await loadAccountNames())];
}

/**
 * The v1 API's READ_FILE (Mesos FilesProcess::_read): the file's size and up to `length` bytes from
 * `offset` (to the end when absent), capped at `maxBytes`; nothing at or past the end.
 */
export async function readFileBytes(raw: string, roots: readonly string[], offset: number, length: number | undefined, maxBytes: number): Promise<{ size: number; data: Buffer }> {
  const target = await resolveAllowed(raw, roots);
  if (target.stats.isDirectory()) throw new TsmesosError('BAD_REQUEST', 'Cannot read a directory');
  if (!target.stats.isFile()) throw notRegularFile(target.requested);
  const { handle, size } = await openVerified(target);
  try {
    if (offset >= size) return { size, data: Buffer.alloc(0) };
    const count = Math.min(length ?? size - offset, maxBytes, size - offset);
    const buffer = Buffer.alloc(count);
    let filled = 0;
    while (filled < count) {
      const { bytesRead } = await handle.read(buffer, filled, count - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { size, data: buffer.subarray(0, filled) };
  } finally {
    await handle.close();
  }
}

/** `ls -l` permission string, including setuid/setgid/sticky bits. */
export function modeString(info: Pick<Stats, 'mode' | 'isDirectory' | 'isSymbolicLink' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>): string {
  const type = info.isDirectory() ? 'd' : info.isSymbolicLink() ? 'l' : info.isFIFO() ? 'p' : info.isSocket() ? 's'
    : info.isCharacterDevice() ? 'c' : info.isBlockDevice() ? 'b' : '-';
  const m = info.mode;
  const triple = (shift: number, special: boolean, setChar: string): string => {
    const exec = (m >> shift) & 1;
    const x = special ? (exec ? setChar : setChar.toUpperCase()) : exec ? 'x' : '-';
    return `${(m >> (shift + 2)) & 1 ? 'r' : '-'}${(m >> (shift + 1)) & 1 ? 'w' : '-'}${x}`;
  };
  return type + triple(6, (m & 0o4000) !== 0, 's') + triple(3, (m & 0o2000) !== 0, 's') + triple(0, (m & 0o1000) !== 0, 't');
}

/** uid/gid → name from /etc/passwd and /etc/group; unknown ids fall back to numbers. */
async function loadAccountNames(): Promise<{ users: Map<number, string>; groups: Map<number, string> }> {
  const parse = async (file: string): Promise<Map<number, string>> => {
    const names = new Map<number, string>();
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const [name, , id] = line.split(':');
      const numeric = Number(id);
      if (name && id && Number.isInteger(numeric) && !names.has(numeric)) names.set(numeric, name);
    }
    return names;
  };
  const [users, groups] = await Promise.all([parse('/etc/passwd'), parse('/etc/group')]);
  return { users, groups };
}

function fsError(e: unknown, requested: string): TsmesosError {
  const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new TsmesosError('NOT_FOUND', `No such file or directory: ${requested}`);
    case 'EACCES':
    case 'EPERM':
    case 'ELOOP':
      return forbidden(requested);
    case 'ENAMETOOLONG':
      return new TsmesosError('BAD_REQUEST', 'Path too long');
    default:
      return new TsmesosError('INTERNAL', `Cannot access ${requested}`, { cause: e });
  }
}

function forbidden(requested: string): TsmesosError {
  return new TsmesosError('FORBIDDEN', `Access denied: ${requested}`);
}

function notRegularFile(requested: string): TsmesosError {
  return new TsmesosError('BAD_REQUEST', `Not a regular file: ${requested}`);
}
