import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKind, fetchUris } from '../../src/agent/fetcher.js';
import type { UriSpec } from '../../src/domain/task-spec.js';
import { HttpClient } from '../../src/lib/http-client.js';
import { tempDir } from '../helpers/process.js';

// The fetcher against a real HTTP server on loopback and real files: every archive kind, the
// flags, and hostile input (traversal in archives, huge files, 404s, redirect loops).

const uri = (value: string, more: Partial<UriSpec> = {}): UriSpec => ({ value, executable: false, extract: true, cache: false, ...more });
const client = new HttpClient();
const MB = 1024 * 1024;

/** Builds archives with python3's tarfile/zipfile: they write any entry name, hostile ones too. */
function py(script: string, cwd: string): void {
  execFileSync('python3', ['-c', script], { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

let server: http.Server;
let base = '';
const files = tempDir('tsmesos-fetch-src-');
let redirects = 0;

beforeAll(async () => {
  // A tree to archive: a script that must stay executable, and a nested file.
  const tree = path.join(files, 'tree');
  fs.mkdirSync(path.join(tree, 'app', 'conf'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'app', 'run.sh'), '#!/bin/sh\necho fetched-and-ran\n', { mode: 0o755 });
  fs.writeFileSync(path.join(tree, 'app', 'conf', 'a.txt'), 'config');
  execFileSync('tar', ['-C', tree, '-czf', path.join(files, 'app.tar.gz'), 'app']);
  execFileSync('tar', ['-C', tree, '-cf', path.join(files, 'app.tar'), 'app']);
  execFileSync('tar', ['-C', tree, '-cjf', path.join(files, 'app.tar.bz2'), 'app']);
  execFileSync('tar', ['-C', tree, '-cJf', path.join(files, 'app.txz'), 'app']);
  execFileSync('zip', ['-qr', path.join(files, 'app.zip'), 'app'], { cwd: tree });
  fs.writeFileSync(path.join(files, 'plain.txt'), 'plain');
  execFileSync('sh', ['-c', `printf 'unzipped text' | gzip > ${path.join(files, 'note.txt.gz')}`]);
  py(`
import tarfile, io, zipfile
def add(t, name, data=b'x', **kw):
    i = tarfile.TarInfo(name); i.size = len(data)
    for k, v in kw.items(): setattr(i, k, v)
    t.addfile(i, io.BytesIO(data))
with tarfile.open('dotdot.tar.gz', 'w:gz') as t: add(t, '../escaped')
with tarfile.open('absolute.tar', 'w') as t: add(t, '/tmp/tsmesos-fetch-absolute')
with tarfile.open('symlink.tar', 'w') as t:
    l = tarfile.TarInfo('link'); l.type = tarfile.SYMTYPE; l.linkname = '${files}'; t.addfile(l)
    add(t, 'link/through-symlink')
with tarfile.open('setuid.tar', 'w') as t: add(t, 'suid', mode=0o4755)
with tarfile.open('bomb.tar.gz', 'w:gz') as t: add(t, 'big', b''.join(str(i).encode() for i in range(600000)))
with tarfile.open('zeros.tar.gz', 'w:gz') as t: add(t, 'zeros', b'0' * (8 * 1024 * 1024))
with zipfile.ZipFile('dotdot.zip', 'w') as z: z.writestr('../escaped-zip', 'x')
`, files);

  server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/loop') {
      redirects++;
      res.writeHead(302, { location: '/loop' }).end();
    } else if (url === '/moved/app.tar.gz') {
      res.writeHead(301, { location: '/files/app.tar.gz' }).end();
    } else if (url === '/huge-chunked') {
      // No Content-Length: the limit has to be enforced while reading.
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024);
      let sent = 0;
      const write = (): void => {
        while (sent < 8 * MB) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', write);
        }
        res.end();
      };
      write();
    } else if (url === '/huge-declared') {
      res.writeHead(200, { 'content-length': String(1024 ** 4) }).end();
    } else if (url.startsWith('/files/')) {
      const f = path.join(files, decodeURIComponent(url.slice('/files/'.length)));
      if (!fs.existsSync(f)) return void res.writeHead(404).end('no');
      res.writeHead(200, { 'content-length': String(fs.statSync(f).size) });
      fs.createReadStream(f).pipe(res);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const sandbox = (): string => tempDir('tsmesos-sandbox-');
const fetchInto = (dir: string, uris: UriSpec[], maxBytes = 2 * MB) => fetchUris(uris, dir, { client, maxBytes });
const runScript = (dir: string): string => execFileSync(path.join(dir, 'app', 'run.sh')).toString();

describe('fetcher', () => {
  it.each(['app.tar.gz', 'app.tar', 'app.tar.bz2', 'app.txz', 'app.zip'])('downloads %s and extracts it into the sandbox (modes kept)', async (name) => {
    const dir = sandbox();
    await fetchInto(dir, [uri(`${base}/files/${name}`)]);
    expect(runScript(dir)).toBe('fetched-and-ran\n');
    expect(fs.readFileSync(path.join(dir, 'app', 'conf', 'a.txt'), 'utf8')).toBe('config');
    expect(fs.existsSync(path.join(dir, name))).toBe(true); // the archive stays, as in Mesos
  });

  it('decompresses a bare .gz next to it', async () => {
    const dir = sandbox();
    await fetchInto(dir, [uri(`${base}/files/note.txt.gz`)]);
    expect(fs.readFileSync(path.join(dir, 'note.txt'), 'utf8')).toBe('unzipped text');
  });

  it('extract false keeps the archive as it is; executable marks the file 0755 and never extracts', async () => {
    const dir = sandbox();
    await fetchInto(dir, [uri(`${base}/files/app.tar.gz`, { extract: false }), uri(`${base}/files/plain.txt`, { executable: true, outputFile: 'bin/tool' })]);
    expect(fs.existsSync(path.join(dir, 'app'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'app.tar.gz'))).toBe(true);
    expect(fs.statSync(path.join(dir, 'plain.txt'), { throwIfNoEntry: false })).toBeUndefined();
    expect(fs.statSync(path.join(dir, 'bin', 'tool')).mode & 0o777).toBe(0o755);
  });

  it('output_file renames (subdirectories made) and redirects are followed', async () => {
    const dir = sandbox();
    await fetchInto(dir, [{ ...uri(`${base}/moved/app.tar.gz`), outputFile: 'pkg/renamed.tgz' }]);
    expect(fs.existsSync(path.join(dir, 'pkg', 'renamed.tgz'))).toBe(true);
    expect(runScript(dir)).toBe('fetched-and-ran\n'); // extracted into the sandbox root, as Mesos
  });

  it('copies local files by absolute path and file:// URI; cache true fetches anyway (no cache)', async () => {
    const dir = sandbox();
    await fetchInto(dir, [uri(path.join(files, 'plain.txt')), uri(`file://${path.join(files, 'app.zip')}`, { cache: true })]);
    expect(fs.readFileSync(path.join(dir, 'plain.txt'), 'utf8')).toBe('plain');
    expect(runScript(dir)).toBe('fetched-and-ran\n');
  });

  it('names the URI and the cause when it fails: 404, missing file, directory, no file name', async () => {
    await expect(fetchInto(sandbox(), [uri(`${base}/files/missing.tgz`)])).rejects.toThrow(`Failed to fetch '${base}/files/missing.tgz': HTTP 404`);
    await expect(fetchInto(sandbox(), [uri('/nonexistent/tsmesos-x')])).rejects.toThrow("Failed to fetch '/nonexistent/tsmesos-x': no such file");
    await expect(fetchInto(sandbox(), [uri(files)])).rejects.toThrow('is not a regular file');
    await expect(fetchInto(sandbox(), [uri(`${base}/`)])).rejects.toThrow('names no file');
    const closed = `http://127.0.0.1:1/x.tgz`;
    await expect(fetchInto(sandbox(), [uri(closed)])).rejects.toThrow(`Failed to fetch '${closed}': connect ECONNREFUSED`);
  });

  it('stops a redirect loop', async () => {
    redirects = 0;
    await expect(fetchInto(sandbox(), [uri(`${base}/loop`, { outputFile: 'x' })])).rejects.toThrow('too many redirects');
    expect(redirects).toBe(6);
  });

  it('refuses files over the size limit, declared or streamed, and leaves no partial file', async () => {
    const dir = sandbox();
    await expect(fetchInto(dir, [uri(`${base}/huge-declared`)])).rejects.toThrow('larger than the 2097152 byte limit');
    await expect(fetchInto(dir, [uri(`${base}/huge-chunked`)])).rejects.toThrow('larger than the 2097152 byte limit');
    await expect(fetchInto(dir, [uri(path.join(files, 'app.tar.gz'))], 10)).rejects.toThrow('byte limit');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('refuses an archive whose contents exceed the limit (a small archive can hold a lot)', async () => {
    const dir = sandbox();
    const bomb = path.join(files, 'bomb.tar.gz');
    const err = await fetchInto(dir, [uri(bomb)], fs.statSync(bomb).size).then(() => null, (e: unknown) => e as Error);
    expect(err?.message).toContain("the archive's contents are larger");
    expect(fs.existsSync(path.join(dir, 'big'))).toBe(false);
  });

  it('refuses a compression bomb (node-tar stops at a 1000:1 ratio)', async () => {
    const dir = sandbox();
    await expect(fetchInto(dir, [uri(path.join(files, 'zeros.tar.gz'))], 64 * MB)).rejects.toThrow('decompression ratio');
    expect(fs.existsSync(path.join(dir, 'zeros'))).toBe(false);
  });

  it.each([
    ['dotdot.tar.gz', 'escaped'],
    ['absolute.tar', 'tsmesos-fetch-absolute'],
    ['dotdot.zip', 'escaped-zip'],
  ])('refuses %s (an entry outside the sandbox) and writes nothing outside', async (name, escaped) => {
    const parent = tempDir('tsmesos-fetch-parent-');
    const dir = path.join(parent, 'sandbox');
    fs.mkdirSync(dir);
    await expect(fetchInto(dir, [uri(path.join(files, name))])).rejects.toThrow(`Failed to fetch '${path.join(files, name)}'`);
    expect(fs.existsSync(path.join(parent, escaped))).toBe(false);
    expect(fs.existsSync(path.join('/tmp', escaped))).toBe(false);
  });

  it('refuses to extract through a symlink the archive made', async () => {
    const dir = sandbox();
    await expect(fetchInto(dir, [uri(path.join(files, 'symlink.tar'))])).rejects.toThrow();
    expect(fs.existsSync(path.join(files, 'through-symlink'))).toBe(false);
  });

  it('drops setuid bits from archive entries', async () => {
    const dir = sandbox();
    await fetchInto(dir, [uri(path.join(files, 'setuid.tar'))]);
    expect(fs.statSync(path.join(dir, 'suid')).mode & 0o7000).toBe(0);
  });

  it('an output_file path through a symlink out of the sandbox is refused', async () => {
    const dir = sandbox();
    const outside = tempDir('tsmesos-fetch-outside-');
    fs.symlinkSync(outside, path.join(dir, 'out'));
    await expect(fetchInto(dir, [{ ...uri(path.join(files, 'plain.txt')), outputFile: 'out/x' }])).rejects.toThrow('outside the sandbox');
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('archive kinds by extension', () => {
    expect(['a.tar', 'a.TGZ', 'a.tar.gz', 'a.tbz2', 'a.tar.bz2', 'a.txz', 'a.tar.xz', 'a.zip', 'a.gz', 'a.jar', 'a'].map(archiveKind))
      .toEqual(['tar', 'tar.gz', 'tar.gz', 'tar.bz2', 'tar.bz2', 'tar.xz', 'tar.xz', 'zip', 'gz', null, null]);
  });
});
