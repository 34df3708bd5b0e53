import { chmod, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFilesApp, modeString, type BrowseEntry, type ReadResult } from '../../src/agent/files-api.js';

describe('files API', () => {
  let base: string;
  let sandbox: string;
  let outside: string;
  let app: ReturnType<typeof createFilesApp>;

  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'tsmesos-files-'));
    sandbox = path.join(base, 'work', 'sandbox');
    outside = path.join(base, 'outside');
    await mkdir(path.join(sandbox, 'sub'), { recursive: true });
    await mkdir(outside);
    await writeFile(path.join(sandbox, 'stdout'), 'hello world\n');
    await writeFile(path.join(sandbox, 'sub', 'nested.txt'), 'nested');
    await writeFile(path.join(outside, 'secret'), 'top secret');
    app = createFilesApp({ roots: () => [sandbox], maxReadBytes: 64 });
  });

  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  const get = (endpoint: string, params: Record<string, string>): Promise<Response> =>
    Promise.resolve(app.request(`/files/${endpoint}?${new URLSearchParams(params).toString()}`));
  const read = async (params: Record<string, string>): Promise<ReadResult> => {
    const res = await get('read', params);
    expect(res.status).toBe(200);
    return (await res.json()) as ReadResult;
  };
  const expectError = async (res: Response, status: number, code: string): Promise<void> => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toMatchObject({ code, message: expect.any(String) as unknown });
  };

  describe('/files/read', () => {
    it('reads from an offset, with and without a length', async () => {
      const file = path.join(sandbox, 'stdout');
      expect(await read({ path: file, offset: '0' })).toEqual({ offset: 0, data: 'hello world\n' });
      expect(await read({ path: file, offset: '6', length: '5' })).toEqual({ offset: 6, data: 'world' });
      expect(await read({ path: file, offset: '0', length: '-1' })).toEqual({ offset: 0, data: 'hello world\n' });
      expect(await read({ path: file, offset: '0', length: '0' })).toEqual({ offset: 0, data: '' });
    });

    it('without an offset (or -1) reports the size and no data', async () => {
      const file = path.join(sandbox, 'stdout');
      expect(await read({ path: file })).toEqual({ offset: 12, data: '' });
      expect(await read({ path: file, offset: '-1' })).toEqual({ offset: 12, data: '' });
    });

    it('returns no data at or beyond the end of the file', async () => {
      const file = path.join(sandbox, 'stdout');
      expect(await read({ path: file, offset: '12' })).toEqual({ offset: 12, data: '' });
      expect(await read({ path: file, offset: '1000000' })).toEqual({ offset: 1000000, data: '' });
    });

    it('caps a huge length at the maximum read size', async () => {
      const big = path.join(sandbox, 'big');
      await writeFile(big, 'a'.repeat(200));
      const result = await read({ path: big, offset: '0', length: '1000000000000' });
      expect(result.data).toBe('a'.repeat(64));
      expect((await read({ path: big, offset: '0' })).data).toHaveLength(64);
    });

    it('never splits a UTF-8 character across reads', async () => {
      const file = path.join(sandbox, 'utf8');
      await writeFile(file, 'aé€😀z'); // 1 + 2 + 3 + 4 + 1 bytes
      let text = '';
      let offset = 0;
      while (offset < 11) {
        // An empty answer means the next character is longer than `length`: ask for more.
        let data = '';
        for (let length = 2; data === ''; length++) {
          data = (await read({ path: file, offset: String(offset), length: String(length) })).data;
        }
        text += data;
        offset += Buffer.byteLength(data);
      }
      expect(text).toBe('aé€😀z');
    });

    it('follows a symlink that stays inside the sandbox', async () => {
      await symlink('sub/nested.txt', path.join(sandbox, 'link'));
      expect(await read({ path: path.join(sandbox, 'link'), offset: '0' })).toEqual({ offset: 0, data: 'nested' });
    });

    it('normalizes harmless dot segments inside the sandbox', async () => {
      const res = await read({ path: `${sandbox}/sub/../stdout`, offset: '0', length: '5' });
      expect(res.data).toBe('hello');
    });

    it('rejects a directory with 400', async () => {
      await expectError(await get('read', { path: path.join(sandbox, 'sub'), offset: '0' }), 400, 'BAD_REQUEST');
    });

    it.each([
      ['non-numeric', 'abc'],
      ['fractional', '1.5'],
      ['negative', '-2'],
      ['absurdly large', '99999999999999999999'],
      ['hex', '0x10'],
    ])('rejects a %s offset or length with 400', async (_label, value) => {
      const file = path.join(sandbox, 'stdout');
      await expectError(await get('read', { path: file, offset: value }), 400, 'BAD_REQUEST');
      await expectError(await get('read', { path: file, offset: '0', length: value }), 400, 'BAD_REQUEST');
    });
  });

  describe('/files/browse', () => {
    it('lists a directory with ls-style metadata, sorted by path', async () => {
      await utimes(path.join(sandbox, 'stdout'), 1_700_000_000, 1_700_000_000);
      await chmod(path.join(sandbox, 'stdout'), 0o640);
      const res = await get('browse', { path: sandbox });
      expect(res.status).toBe(200);
      const entries = (await res.json()) as BrowseEntry[];
      expect(entries.map((e) => e.path)).toEqual([path.join(sandbox, 'stdout'), path.join(sandbox, 'sub')]);
      const [stdout, sub] = entries;
      expect(stdout).toMatchObject({ size: 12, nlink: 1, mtime: 1_700_000_000, mode: '-rw-r-----' });
      expect(sub?.mode).toMatch(/^d[rwx-]{9}$/);
      expect(stdout?.uid).toMatch(/\S/);
      expect(stdout?.gid).toMatch(/\S/);
      if (process.getuid?.() === 0) expect(stdout?.uid).toBe('root');
    });

    it('echoes the requested path, not the resolved one, for entries', async () => {
      const alias = path.join(sandbox, 'alias');
      await symlink('sub', alias);
      const entries = (await (await get('browse', { path: alias })).json()) as BrowseEntry[];
      expect(entries.map((e) => e.path)).toEqual([path.join(alias, 'nested.txt')]);
    });

    it('describes a symlink entry itself, not its (outside) target', async () => {
      await symlink(path.join(outside, 'secret'), path.join(sandbox, 'escape'));
      const entries = (await (await get('browse', { path: sandbox })).json()) as BrowseEntry[];
      expect(entries.find((e) => e.path.endsWith('escape'))?.mode).toBe('lrwxrwxrwx');
    });

    it('rejects a regular file with 400', async () => {
      await expectError(await get('browse', { path: path.join(sandbox, 'stdout') }), 400, 'BAD_REQUEST');
    });
  });

  describe('/files/download', () => {
    it('returns the raw bytes as an octet stream', async () => {
      const bytes = Buffer.from([0, 1, 2, 255, 254, 10]);
      await writeFile(path.join(sandbox, 'blob.bin'), bytes);
      const res = await get('download', { path: path.join(sandbox, 'blob.bin') });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('content-disposition')).toContain('blob.bin');
      expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
    });

    it('downloads an empty file', async () => {
      await writeFile(path.join(sandbox, 'empty'), '');
      const res = await get('download', { path: path.join(sandbox, 'empty') });
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    });

    it('refuses a symlink escape', async () => {
      await symlink(path.join(outside, 'secret'), path.join(sandbox, 'escape'));
      await expectError(await get('download', { path: path.join(sandbox, 'escape') }), 403, 'FORBIDDEN');
    });
  });

  describe('hostile paths', () => {
    const endpoints = ['read', 'browse', 'download'] as const;

    it.each(endpoints)('%s: missing, empty and relative paths are 400', async (endpoint) => {
      await expectError(await Promise.resolve(app.request(`/files/${endpoint}`)), 400, 'BAD_REQUEST');
      await expectError(await get(endpoint, { path: '' }), 400, 'BAD_REQUEST');
      await expectError(await get(endpoint, { path: 'relative/stdout' }), 400, 'BAD_REQUEST');
    });

    it.each(endpoints)('%s: a missing file inside the sandbox is 404', async (endpoint) => {
      await expectError(await get(endpoint, { path: path.join(sandbox, 'nope') }), 404, 'NOT_FOUND');
      await expectError(await get(endpoint, { path: path.join(sandbox, 'stdout', 'below-a-file') }), 404, 'NOT_FOUND');
    });

    it.each(endpoints)('%s: paths outside the roots are 403, existing or not', async (endpoint) => {
      await expectError(await get(endpoint, { path: path.join(outside, 'secret') }), 403, 'FORBIDDEN');
      await expectError(await get(endpoint, { path: '/etc/passwd' }), 403, 'FORBIDDEN');
      await expectError(await get(endpoint, { path: path.join(outside, 'missing') }), 403, 'FORBIDDEN');
    });

    it.each(endpoints)('%s: ".." traversal out of the sandbox is 403', async (endpoint) => {
      await expectError(await get(endpoint, { path: `${sandbox}/../../outside/secret` }), 403, 'FORBIDDEN');
      await expectError(await get(endpoint, { path: `${sandbox}/sub/../../../../../../etc/passwd` }), 403, 'FORBIDDEN');
    });

    it('a sibling directory sharing the root as a name prefix is 403', async () => {
      await mkdir(`${sandbox}-evil`);
      await writeFile(`${sandbox}-evil/x`, 'x');
      await expectError(await get('read', { path: `${sandbox}-evil/x`, offset: '0' }), 403, 'FORBIDDEN');
    });

    it.each(endpoints)('%s: symlinks pointing outside are 403 (file and directory)', async (endpoint) => {
      await symlink(path.join(outside, 'secret'), path.join(sandbox, 'file-escape'));
      await symlink(outside, path.join(sandbox, 'dir-escape'));
      await symlink('../../outside/secret', path.join(sandbox, 'relative-escape'));
      await expectError(await get(endpoint, { path: path.join(sandbox, 'file-escape') }), 403, 'FORBIDDEN');
      await expectError(await get(endpoint, { path: path.join(sandbox, 'dir-escape') }), 403, 'FORBIDDEN');
      await expectError(await get(endpoint, { path: path.join(sandbox, 'dir-escape', 'secret') }), 403, 'FORBIDDEN');
      await expectError(await get(endpoint, { path: path.join(sandbox, 'relative-escape') }), 403, 'FORBIDDEN');
    });

    it.each(endpoints)('%s: NUL bytes, 10 KB paths and broken encodings are 400, never a crash', async (endpoint) => {
      await expectError(await get(endpoint, { path: `${sandbox}/stdout\0.txt` }), 400, 'BAD_REQUEST');
      await expectError(await get(endpoint, { path: `${sandbox}/${'a'.repeat(10 * 1024)}` }), 400, 'BAD_REQUEST');
      const broken = await Promise.resolve(app.request(`/files/${endpoint}?path=%E0%A4%A&offset=%ZZ`));
      expect([400, 403, 404]).toContain(broken.status);
    });

    it('a symlink loop is refused, not followed forever', async () => {
      await symlink('loop-b', path.join(sandbox, 'loop-a'));
      await symlink('loop-a', path.join(sandbox, 'loop-b'));
      const res = await get('read', { path: path.join(sandbox, 'loop-a'), offset: '0' });
      expect([400, 403]).toContain(res.status);
    });

    it('a FIFO is refused instead of blocking the agent', async () => {
      const fifo = path.join(sandbox, 'pipe');
      execFileSync('mkfifo', [fifo]);
      await expectError(await get('read', { path: fifo, offset: '0' }), 400, 'BAD_REQUEST');
      await expectError(await get('download', { path: fifo }), 400, 'BAD_REQUEST');
    });

    it('serves unicode file names', async () => {
      const file = path.join(sandbox, 'ünïcødé 📄.txt');
      await writeFile(file, 'ok');
      expect(await read({ path: file, offset: '0' })).toEqual({ offset: 0, data: 'ok' });
      const res = await get('download', { path: file });
      expect(res.headers.get('content-disposition')).toContain(encodeURIComponent('ünïcødé 📄.txt'));
    });

    it('serves nothing when the roots do not exist', async () => {
      const empty = createFilesApp({ roots: () => [path.join(base, 'not-created')] });
      const res = await Promise.resolve(empty.request(`/files/read?path=${encodeURIComponent(path.join(sandbox, 'stdout'))}`));
      expect(res.status).toBe(403);
    });
  });

  it('modeString renders special bits like ls', () => {
    const info = (mode: number, kind: 'file' | 'dir' = 'file') => ({
      mode,
      isDirectory: () => kind === 'dir',
      isSymbolicLink: () => false,
      isFIFO: () => false,
      isSocket: () => false,
      isCharacterDevice: () => false,
      isBlockDevice: () => false,
    });
    expect(modeString(info(0o644))).toBe('-rw-r--r--');
    expect(modeString(info(0o4755))).toBe('-rwsr-xr-x');
    expect(modeString(info(0o2644))).toBe('-rw-r-Sr--');
    expect(modeString(info(0o1777, 'dir'))).toBe('drwxrwxrwt');
  });
});
