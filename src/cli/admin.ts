import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { HttpClient, type HttpResponse } from '../lib/http-client.js';
import { FlagError, defaultDataDir, duration } from './flags.js';
import { CliFailure, runCommand, table } from './master-client.js';
import { masterTarget } from './status.js';
import { MasterHttpError, pinnedClusterCa, requestMaster } from './master-http.js';
import { FILES, readAdminFile, readIfExists, tlsDir } from '../security/files.js';
import { CA_PATH, PRINCIPALS_PATH, TOKENS_PATH } from '../security/paths.js';
import { PRINCIPAL_NAME } from '../security/principals.js';
import { TOKEN_ROLES, type TokenRole } from '../security/join-token.js';

// Admin commands (`token`, `ca`): authenticated with the admin credential a master writes
// into its data dir (`--data-dir`, same default as `up`), or `--master URL` + TSMESOS_TOKEN.
// With the data dir's CA at hand they speak TLS to the master, pinned to that CA.

export interface AdminOptions {
  master?: string;
  dataDir?: string;
}

export interface AdminTarget {
  host: string;
  port: number;
  scheme: 'http' | 'https';
  token: string;
  http: HttpClient;
}

export function resolveAdmin(opts: AdminOptions, env: NodeJS.ProcessEnv = process.env): AdminTarget {
  const dataDir = path.resolve(opts.dataDir ?? env['TSMESOS_DATA_DIR'] ?? defaultDataDir(env));
  const fromEnv = env['TSMESOS_TOKEN'];
  let file;
  try {
    file = readAdminFile(dataDir);
  } catch (e) {
    throw new CliFailure(`cannot read the admin credential in ${dataDir}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const token = fromEnv !== undefined && fromEnv.length > 0 ? fromEnv : file?.token;
  if (token === undefined) {
    throw new CliFailure(`no admin credential: none in ${path.join(tlsDir(path.join(dataDir, 'master')), FILES.admin)} (run this on a master host, or pass --data-dir), and TSMESOS_TOKEN is not set`);
  }
  const target = masterTarget(opts.master ?? (env['TSMESOS_MASTER'] === undefined ? file?.master : undefined), env);
  let caPem: string | undefined;
  try {
    caPem = pinnedClusterCa(env, dataDir)?.pem;
  } catch (e) {
    throw new CliFailure(e instanceof Error ? e.message : String(e));
  }
  if (target.scheme === 'https' && caPem === undefined) throw new CliFailure(`--master ${target.host}:${target.port} is https: no cluster CA to trust (set TSMESOS_CA_FILE to the output of \`tsmesos ca cert\`)`);
  const http = new HttpClient(caPem !== undefined ? { tls: { caPem, serverRole: 'master' } } : {});
  return { ...target, token, http };
}

async function adminCall(t: AdminTarget, method: string, p: string, body?: unknown): Promise<unknown> {
  let res: HttpResponse;
  try {
    res = await requestMaster(t, {
      path: p, method, timeoutMs: 10_000,
      headers: { Authorization: `Bearer ${t.token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }, { client: t.http });
  } catch (e) {
    if (e instanceof MasterHttpError) throw new CliFailure(e.message);
    throw new CliFailure(`cannot reach the master at ${t.host}:${t.port}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    parsed = null;
  }
  if (res.status !== 200) {
    const message = (parsed as { message?: unknown } | null)?.message;
    throw new CliFailure(`master answered ${res.status}: ${typeof message === 'string' ? message : res.body.slice(0, 200)}`);
  }
  return parsed;
}

interface TokenRow {
  id: string; role: string; createdAt: number; expiresAt: number; maxUses: number | null; uses: number; revokedAt: number | null;
}

function tokenState(t: TokenRow, now: number): string {
  if (t.revokedAt !== null) return 'revoked';
  if (now >= t.expiresAt) return 'expired';
  if (t.maxUses !== null && t.uses >= t.maxUses) return 'exhausted';
  return 'valid';
}

const addAdminOptions = (cmd: Command): Command => cmd
  .option('--data-dir <DIR>', 'a master\'s data dir, for its admin credential (default: as `up`)')
  .option('--master <URL>', 'master to ask (default: the one of the data dir; with TSMESOS_TOKEN from elsewhere)');

export function registerAdmin(program: Command, setExit: (code: number) => void): void {
  const token = program.command('token').description('join tokens: create, ls, revoke');
  addAdminOptions(token.command('create').description('create a join token and print it'))
    .option('--role <ROLE>', 'agent (default) or master')
    .option('--ttl <DURATION>', 'how long it is valid (default 24h)')
    .option('--uses <N>', 'how many nodes may join with it (default: unlimited until it expires)')
    .option('--json', 'print JSON')
    .action((opts: AdminOptions & { role?: string; ttl?: string; uses?: string; json?: boolean }) => runCommand('token create', setExit, async () => {
      const role = opts.role ?? 'agent';
      if (!(TOKEN_ROLES as readonly string[]).includes(role)) throw new FlagError(`invalid --role '${role.slice(0, 40)}'`, 'expected agent or master');
      const ttlMs = opts.ttl !== undefined ? duration('ttl')(opts.ttl) : 24 * 3600 * 1000;
      let uses: number | null = null;
      if (opts.uses !== undefined) {
        if (!/^\d{1,7}$/.test(opts.uses) || Number(opts.uses) < 1) throw new FlagError(`invalid --uses '${opts.uses.slice(0, 40)}'`, 'expected a whole number from 1');
        uses = Number(opts.uses);
      }
      const r = await adminCall(resolveAdmin(opts), 'POST', TOKENS_PATH, { role: role as TokenRole, ttl_ms: Math.round(ttlMs), uses }) as { id: string; token: string; expiresAt: number };
      process.stdout.write(opts.json ? JSON.stringify(r) + '\n' : `${r.token}\n`);
      if (!opts.json) process.stderr.write(`token ${r.id} (${role}) expires ${new Date(r.expiresAt).toISOString()}; join with: tsmesos join <token> --role ${role}\n`);
    }));
  addAdminOptions(token.command('ls').description('list join tokens (never their secrets)'))
    .option('--json', 'print JSON')
    .action((opts: AdminOptions & { json?: boolean }) => runCommand('token ls', setExit, async () => {
      const r = await adminCall(resolveAdmin(opts), 'GET', TOKENS_PATH) as { tokens: TokenRow[] };
      if (opts.json) {
        process.stdout.write(JSON.stringify(r.tokens) + '\n');
        return;
      }
      const now = Date.now();
      process.stdout.write(table(['ID', 'ROLE', 'STATE', 'USES', 'EXPIRES'], r.tokens.map((t) => [
        t.id, t.role, tokenState(t, now), `${t.uses}/${t.maxUses ?? '-'}`, new Date(t.expiresAt).toISOString(),
      ])));
    }));
  addAdminOptions(token.command('revoke').description('revoke a join token').argument('<id>', 'the token id (`token ls`)'))
    .action((id: string, opts: AdminOptions) => runCommand('token revoke', setExit, async () => {
      if (!/^[0-9a-f]{16}$/.test(id)) throw new FlagError(`invalid token id '${id.slice(0, 40)}'`, 'expected 16 hex digits (see `tsmesos token ls`)');
      await adminCall(resolveAdmin(opts), 'DELETE', `${TOKENS_PATH}/${id}`);
      process.stdout.write(`revoked ${id}\n`);
    }));

  const principal = program.command('principal').description('principals of frameworks and operators: add, ls, rm');
  addAdminOptions(principal.command('add').description('add a principal (or replace its secret); prints its secret and Bearer token once').argument('<name>', 'the principal (FrameworkInfo.principal of a framework)'))
    .option('--secret-file <FILE>', 'its secret, read from FILE (default: a generated one); never on the command line')
    .option('--json', 'print JSON')
    .action((name: string, opts: AdminOptions & { secretFile?: string; json?: boolean }) => runCommand('principal add', setExit, async () => {
      if (!PRINCIPAL_NAME.test(name)) throw new FlagError(`invalid principal '${name.slice(0, 40)}'`, 'expected 1-128 of A-Z a-z 0-9 . _ @ -');
      let secret: string | undefined;
      if (opts.secretFile !== undefined) {
        let text: string;
        try {
          if (fs.statSync(opts.secretFile).size > 4096) throw new FlagError(`--secret-file ${opts.secretFile.slice(0, 200)} is larger than a secret may be`);
          text = fs.readFileSync(opts.secretFile, 'utf8');
        } catch (e) {
          if (e instanceof FlagError) throw e;
          throw new FlagError(`cannot read --secret-file ${opts.secretFile.slice(0, 200)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        }
        secret = text.replace(/\r?\n$/, '');
      }
      const r = await adminCall(resolveAdmin(opts), 'POST', PRINCIPALS_PATH, { name, ...(secret !== undefined ? { secret } : {}) }) as { name: string; secret: string; bearer: string };
      if (opts.json) {
        process.stdout.write(JSON.stringify(r) + '\n');
        return;
      }
      process.stdout.write(`principal ${r.name}\n${secret === undefined ? `secret ${r.secret}\n` : ''}bearer ${r.bearer}\n`);
    }));
  addAdminOptions(principal.command('ls').description('list principals (never their secrets)'))
    .option('--json', 'print JSON')
    .action((opts: AdminOptions & { json?: boolean }) => runCommand('principal ls', setExit, async () => {
      const r = await adminCall(resolveAdmin(opts), 'GET', PRINCIPALS_PATH) as { principals: { name: string; createdAt: number }[] };
      process.stdout.write(opts.json ? JSON.stringify(r.principals) + '\n' : table(['PRINCIPAL', 'CREATED'], r.principals.map((p) => [p.name, new Date(p.createdAt).toISOString()])));
    }));
  addAdminOptions(principal.command('rm').description('remove a principal').argument('<name>', 'the principal'))
    .action((name: string, opts: AdminOptions) => runCommand('principal rm', setExit, async () => {
      if (!PRINCIPAL_NAME.test(name)) throw new FlagError(`invalid principal '${name.slice(0, 40)}'`, 'expected 1-128 of A-Z a-z 0-9 . _ @ -');
      await adminCall(resolveAdmin(opts), 'DELETE', `${PRINCIPALS_PATH}/${name}`);
      process.stdout.write(`removed ${name}\n`);
    }));

  const ca = program.command('ca').description('the cluster certificate authority');
  ca.command('cert').description('print the cluster CA certificate (PEM), e.g. for curl --cacert or a browser')
    .option('--data-dir <DIR>', 'a master\'s or joined agent\'s data dir (default: as `up`)')
    .option('--master <URL>', 'ask this master instead (unverified: compare its hash with a token)')
    .action((opts: AdminOptions) => runCommand('ca cert', setExit, async () => {
      if (opts.master !== undefined) {
        const t = masterTarget(opts.master);
        const res = await new HttpClient().request({ ...t, path: CA_PATH, timeoutMs: 5000 }).catch((e: unknown) => {
          throw new CliFailure(`cannot reach the master at ${t.host}:${t.port}: ${e instanceof Error ? e.message : String(e)}`);
        });
        if (res.status !== 200) throw new CliFailure(`master answered ${res.status}: ${res.body.slice(0, 200)}`);
        process.stdout.write((JSON.parse(res.body) as { certificate: string }).certificate);
        return;
      }
      const dataDir = path.resolve(opts.dataDir ?? process.env['TSMESOS_DATA_DIR'] ?? defaultDataDir());
      for (const role of ['master', 'agent']) {
        const pem = readIfExists(path.join(tlsDir(path.join(dataDir, role)), FILES.caCert));
        if (pem !== null) {
          process.stdout.write(pem);
          return;
        }
      }
      throw new CliFailure(`no cluster CA in ${dataDir} (not a master or joined node's data dir?); or pass --master URL`);
    }));
}
