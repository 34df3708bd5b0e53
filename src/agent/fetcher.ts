// The Mesos fetcher: CommandInfo.uris land in the sandbox before the task starts. Sources:
// http(s) (through HttpClient, redirects followed), file:// and absolute local paths. Archives
// are extracted into the sandbox when `extract` is set (tar, tar.gz/tgz, tar.bz2/tbz2,
// tar.xz/txz, zip, and a bare .gz is decompressed); `executable` marks the file 0755 and is
// never extracted (as Mesos). `cache` is accepted and treated as no cache: every launch fetches.
// Every byte written is counted against one limit per URI (downloads and what extraction makes).
import { spawn } from 'node:child_process';
import { createReadStream, constants as fsConstants } from 'node:fs';
import { chmod, mkdir, open, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import yauzl from 'yauzl';
import type { UriSpec } from '../domain/task-spec.js';
import type { HttpClient } from '../lib/http-client.js';

export interface FetchOptions {
  client: HttpClient;
  /** Most bytes one URI may put in the sandbox (the download, and again what extracting it makes). */
  maxBytes: number;
  /** A download that receives nothing for this long fails (Mesos --fetcher_stall_timeout, 60 s). */
  stallTimeoutMs?: number;
  maxRedirects?: number;
  /** Abandons the fetch (the task was killed while staging). */
  signal?: AbortSignal;
  /**
   * The task runs as another user (--switch-user): a local path that user may not read is refused
   * (the fetcher itself runs as the agent; Mesos's runs as the task's user).
   */
  readableByTaskUser?: (source: string) => Promise<string | undefined>;
}

export const DEFAULT_FETCH_MAX_BYTES = 2 * 1024 ** 3;

/** A failed fetch: the message names the URI (it becomes the TASK_FAILED message). */
export class FetchError extends Error {}

export async function fetchUris(uris: readonly UriSpec[], sandbox: string, opts: FetchOptions): Promise<void> {
  const root = await realpath(sandbox);
  for (const uri of uris) {
    opts.signal?.throwIfAborted();
    try {
      await fetchOne(uri, root, opts);
    } catch (e) {
      throw new FetchError(`Failed to fetch '${uri.value}': ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}

async function fetchOne(uri: UriSpec, root: string, opts: FetchOptions): Promise<void> {
  const name = uri.outputFile ?? basename(uri.value);
  const dest = await destination(root, name);
  const part = `${dest}.fetching`;
  try {
    if (isLocal(uri.value)) {
      const source = localPath(uri.value);
      const refusal = await opts.readableByTaskUser?.(source);
      if (refusal !== undefined) throw new Error(refusal);
      await copyLocal(source, part, opts.maxBytes, opts.signal);
    }
    else await download(uri.value, part, opts);
    await rm(dest, { force: true, recursive: false }).catch(() => undefined);
    await rename(part, dest);
  } finally {
    await rm(part, { force: true });
  }
  if (uri.executable) {
    await chmod(dest, 0o755);
    return;
  }
  if (uri.extract) await extract(dest, root, opts.maxBytes, opts.signal);
}

function isLocal(value: string): boolean {
  return value.startsWith('/') || value.startsWith('file://');
}

function localPath(value: string): string {
  if (value.startsWith('/')) return value;
  const url = new URL(value);
  if (url.hostname !== '' && url.hostname !== 'localhost') throw new Error(`file URIs name a local path (host '${url.hostname}' is not this one)`);
  return decodeURIComponent(url.pathname);
}

/** The file name a URI lands under: the last segment of its path (Mesos). */
function basename(value: string): string {
  const p = isLocal(value) && value.startsWith('/') ? value : decodeURIComponent(new URL(value).pathname);
  const base = p.split('/').filter((s) => s !== '').at(-1);
  if (base === undefined || base === '.' || base === '..') throw new Error('the URI names no file; set output_file');
  return base;
}

/** The sandbox path for `name`, its directories made, never reaching outside through a symlink. */
async function destination(root: string, name: string): Promise<string> {
  const dest = path.resolve(root, name);
  if (!dest.startsWith(`${root}${path.sep}`)) throw new Error(`output file '${name}' is outside the sandbox`);
  const dir = path.dirname(dest);
  await mkdir(dir, { recursive: true });
  const realDir = await realpath(dir);
  if (realDir !== root && !realDir.startsWith(`${root}${path.sep}`)) throw new Error(`output file '${name}' is outside the sandbox`);
  return path.join(realDir, path.basename(dest));
}

/** pipeline()'s options: an abort destroys every stream in it. */
function withSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal !== undefined ? { signal } : {};
}

/** Counts bytes through a pipeline and fails it past `max`. */
function limit(max: number, what: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) done(new Error(`${what} is larger than the ${max} byte limit`));
      else done(null, chunk);
    },
  });
}

/** A new file, never following a symlink planted at its path. */
async function createFile(file: string): Promise<Writable> {
  const handle = await open(file, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC | fsConstants.O_NOFOLLOW, 0o644);
  return handle.createWriteStream();
}

async function copyLocal(source: string, to: string, maxBytes: number, signal: AbortSignal | undefined): Promise<void> {
  const st = await stat(source).catch((e: unknown) => {
    throw new Error((e as NodeJS.ErrnoException).code === 'ENOENT' ? `no such file '${source}'` : `cannot read '${source}': ${String(e)}`);
  });
  if (!st.isFile()) throw new Error(`'${source}' is not a regular file`);
  if (st.size > maxBytes) throw new Error(`'${source}' (${st.size} bytes) is larger than the ${maxBytes} byte limit`);
  await pipeline(createReadStream(source), limit(maxBytes, `'${source}'`), await createFile(to), withSignal(signal));
}

async function download(value: string, to: string, opts: FetchOptions): Promise<void> {
  let url = new URL(value);
  for (let hop = 0; ; hop++) {
    const { res } = await opts.client.open({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      path: `${url.pathname}${url.search}`,
      scheme: url.protocol === 'https:' ? 'https' : 'http',
      timeoutMs: opts.stallTimeoutMs ?? 60_000,
      connectTimeoutMs: 30_000,
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    });
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && typeof location === 'string') {
      res.destroy();
      if (hop >= (opts.maxRedirects ?? 5)) throw new Error('too many redirects');
      const next = new URL(location, url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new Error(`redirected to an unsupported scheme '${next.protocol}'`);
      url = next;
      continue;
    }
    if (status !== 200) {
      res.destroy();
      throw new Error(`HTTP ${status}`);
    }
    const length = Number(res.headers['content-length']);
    if (Number.isFinite(length) && length > opts.maxBytes) {
      res.destroy();
      throw new Error(`the download (${length} bytes) is larger than the ${opts.maxBytes} byte limit`);
    }
    await pipeline(res, limit(opts.maxBytes, 'the download'), await createFile(to), withSignal(opts.signal));
    return;
  }
}

type ArchiveKind = 'tar' | 'tar.gz' | 'tar.bz2' | 'tar.xz' | 'zip' | 'gz';

/** What extracting `name` means, by its extension (Mesos decides the same way); null: not an archive. */
export function archiveKind(name: string): ArchiveKind | null {
  const n = name.toLowerCase();
  if (n.endsWith('.tar')) return 'tar';
  if (n.endsWith('.tar.gz') || n.endsWith('.tgz')) return 'tar.gz';
  if (n.endsWith('.tar.bz2') || n.endsWith('.tbz2')) return 'tar.bz2';
  if (n.endsWith('.tar.xz') || n.endsWith('.txz')) return 'tar.xz';
  if (n.endsWith('.zip')) return 'zip';
  if (n.endsWith('.gz')) return 'gz';
  return null;
}

async function extract(file: string, root: string, maxBytes: number, signal: AbortSignal | undefined): Promise<void> {
  const kind = archiveKind(path.basename(file));
  if (kind === null) return;
  if (kind === 'zip') return extractZip(file, root, maxBytes, signal);
  if (kind === 'gz') {
    const out = await destination(root, path.relative(root, file).replace(/\.gz$/i, ''));
    await pipeline(createReadStream(file), createGunzip(), limit(maxBytes, 'the decompressed file'), await createFile(out), withSignal(signal));
    return;
  }
  const input: Readable =
    kind === 'tar.bz2' || kind === 'tar.xz' ? decompressor(kind === 'tar.bz2' ? 'bzip2' : 'xz', file) : createReadStream(file);
  await extractTar(input, kind === 'tar.gz', root, maxBytes, signal);
}

/** bzip2/xz through the system tools (node has neither); their failure fails the stream. */
function decompressor(tool: 'bzip2' | 'xz', file: string): Readable {
  const child = spawn(tool, ['-dc', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-500)));
  const out = child.stdout;
  child.once('error', (e) => out.destroy(new Error(`cannot run ${tool}: ${e.message}`)));
  child.once('exit', (code) => {
    if (code !== 0) out.destroy(new Error(`${tool} failed: ${stderr.trim() || `exit ${code}`}`));
  });
  return out;
}

async function extractTar(input: Readable, gzip: boolean, root: string, maxBytes: number, signal: AbortSignal | undefined): Promise<void> {
  let total = 0;
  let tooBig = false;
  const extractor = tar.x({
    cwd: root,
    // Warnings (an entry with '..', an absolute path, a link out of the sandbox) are errors.
    strict: true,
    preservePaths: false,
    preserveOwner: false,
    ...(gzip ? { gzip: true } : {}),
    filter: (_p, entry) => {
      if ('mode' in entry && typeof entry.mode === 'number') entry.mode &= 0o777; // no setuid/setgid/sticky from an archive
      total += entry.size;
      if (total > maxBytes) tooBig = true;
      return !tooBig;
    },
  });
  await pipeline(input, extractor, withSignal(signal));
  if (tooBig) throw new Error(`the archive's contents are larger than the ${maxBytes} byte limit`);
}

function extractZip(file: string, root: string, maxBytes: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    // yauzl refuses absolute and '..' entry names itself (validateFileName), and checks sizes.
    yauzl.open(file, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true }, (err, zip) => {
      if (err) return reject(err);
      let total = 0;
      const fail = (e: unknown): void => {
        zip.close();
        reject(e instanceof Error ? e : new Error(String(e)));
      };
      zip.on('error', fail);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          signal?.throwIfAborted();
          if (entry.fileName.endsWith('/')) {
            await destination(root, path.join(entry.fileName, '.keep')).then((d) => mkdir(path.dirname(d), { recursive: true }));
            zip.readEntry();
            return;
          }
          total += entry.uncompressedSize;
          if (total > maxBytes) throw new Error(`the archive's contents are larger than the ${maxBytes} byte limit`);
          const out = await destination(root, entry.fileName);
          const stream = await new Promise<Readable>((res, rej) => zip.openReadStream(entry, (e, s) => (e ? rej(e) : res(s))));
          await pipeline(stream, await createFile(out));
          // Unix permission bits, if the zip carries them (no setuid/setgid/sticky).
          const mode = (entry.externalFileAttributes >>> 16) & 0o777;
          if (mode !== 0) await chmod(out, mode);
          zip.readEntry();
        })().catch(fail);
      });
      zip.readEntry();
    });
  });
}
