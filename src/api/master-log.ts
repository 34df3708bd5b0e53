import path from 'node:path';
import { Hono } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import { listFiles, readFileBytes } from '../agent/files-api.js';
import type { OperatorCall, OperatorResponse } from '../wire/operator.js';

// The master's own log as Mesos serves it (its `files->attach(log, "/master/log")`, with
// --log_dir): the operator API's LIST_FILES and READ_FILE, and the legacy /files/read, name the
// virtual path /master/log. Without --log-dir there is nothing to serve (404, as Mesos).

export const MASTER_LOG_PATH = '/master/log';
/** READ_FILE returns at most this much per call (Mesos: 16 pages). */
const READ_MAX_BYTES = 16 * 4096;

const notFound = (p: string): never => {
  throw new TsmesosError('NOT_FOUND', `No file or directory found at path '${p.slice(0, 256)}': this master serves ${MASTER_LOG_PATH} (with --log-dir)`);
};

/** The real file behind /master/log, or a 404. */
function logFileFor(requested: string, logFile: string | null): string {
  if (logFile === null || path.posix.normalize(requested) !== MASTER_LOG_PATH) return notFound(requested);
  return logFile;
}

/** LIST_FILES and READ_FILE of a master: its log only. */
export async function masterFilesCall(call: OperatorCall, logFile: string | null): Promise<OperatorResponse> {
  if (call.type === 'LIST_FILES') {
    const p = call.list_files?.path ?? '';
    const file = logFileFor(p, logFile);
    const entries = await listFiles(file, [path.dirname(file)]);
    return {
      type: 'LIST_FILES',
      list_files: { file_infos: entries.map((e) => ({ path: MASTER_LOG_PATH, nlink: e.entry.nlink, size: e.entry.size, mtime: { nanoseconds: Math.round(e.mtimeMs * 1e6) }, mode: e.mode, uid: e.entry.uid, gid: e.entry.gid })) },
    };
  }
  const r = call.read_file;
  if (r === undefined) throw new TsmesosError('BAD_REQUEST', "Expecting 'read_file' to be present");
  if (r.offset < 0) throw new TsmesosError('BAD_REQUEST', `read_file.offset: must not be negative (uint64), got ${r.offset}`);
  if (r.length !== undefined && r.length < 0) throw new TsmesosError('BAD_REQUEST', `read_file.length: must not be negative (uint64), got ${r.length}`);
  const file = logFileFor(r.path, logFile);
  const { size, data } = await readFileBytes(file, [path.dirname(file)], r.offset, r.length, READ_MAX_BYTES);
  return { type: 'READ_FILE', read_file: { size, data: data.toString('base64') } };
}

/** Legacy `GET /files/read?path=/master/log[&offset=N][&length=N]`: Mesos's {offset, data}; no offset: the size. */
export function masterLogFilesApp(logFile: string | null): Hono {
  const app = new Hono();
  app.get('/files/read', async (c) => {
    const file = logFileFor(c.req.query('path') ?? '', logFile);
    const int = (name: string): number | undefined => {
      const raw = c.req.query(name);
      if (raw === undefined || raw === '') return undefined;
      if (!/^-?\d{1,15}$/.test(raw)) throw new TsmesosError('BAD_REQUEST', `'${name}' must be an integer, got ${JSON.stringify(raw.slice(0, 32))}`);
      return Number(raw);
    };
    const offset = int('offset');
    const length = int('length');
    if (offset === undefined || offset === -1) return c.json({ offset: (await readFileBytes(file, [path.dirname(file)], 0, 0, 0)).size, data: '' });
    if (offset < 0 || (length !== undefined && length < -1)) throw new TsmesosError('BAD_REQUEST', 'offset and length must not be negative');
    const { data } = await readFileBytes(file, [path.dirname(file)], offset, length === -1 ? undefined : length, READ_MAX_BYTES * 16);
    return c.json({ offset, data: data.toString('utf8') });
  });
  return app;
}
