// Where a node keeps its security material, and writing it with the right modes: the
// directory 0700, every file 0600 (keys, and the CA and admin credential next to them).
import fs from 'node:fs';
import path from 'node:path';

/** `<data-dir>/master/tls` or `<data-dir>/agent/tls`. */
export function tlsDir(roleDir: string): string {
  return path.join(roleDir, 'tls');
}

export const FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  nodeCert: 'node.crt',
  nodeKey: 'node.key',
  /** The local CLI's admin credential and the master it is for: `{"token": "...", "master": "ip:port"}`. */
  admin: 'admin.json',
} as const;

/** Writes a file 0600 atomically (temp file + rename), creating its directory 0700. */
export function writePrivateFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function readIfExists(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export interface AdminFile {
  token: string;
  master: string;
}

/** The admin file of a master data dir (`<data-dir>/master/tls/admin.json`), or null. */
export function readAdminFile(dataDir: string): AdminFile | null {
  const text = readIfExists(path.join(tlsDir(path.join(dataDir, 'master')), FILES.admin));
  if (text === null) return null;
  const parsed = JSON.parse(text) as Partial<AdminFile>;
  return typeof parsed.token === 'string' && typeof parsed.master === 'string' ? { token: parsed.token, master: parsed.master } : null;
}

export interface NodeTlsFiles {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** A joined node's material (`<role dir>/tls/{ca.crt,node.crt,node.key}`), or null when it has not joined. */
export function readNodeTls(roleDir: string): NodeTlsFiles | null {
  const dir = tlsDir(roleDir);
  const caPem = readIfExists(path.join(dir, FILES.caCert));
  const certPem = readIfExists(path.join(dir, FILES.nodeCert));
  const keyPem = readIfExists(path.join(dir, FILES.nodeKey));
  return caPem !== null && certPem !== null && keyPem !== null ? { caPem, certPem, keyPem } : null;
}

export function writeNodeTls(roleDir: string, m: NodeTlsFiles): void {
  const dir = tlsDir(roleDir);
  writePrivateFile(path.join(dir, FILES.caCert), m.caPem);
  writePrivateFile(path.join(dir, FILES.nodeKey), m.keyPem);
  writePrivateFile(path.join(dir, FILES.nodeCert), m.certPem);
}
