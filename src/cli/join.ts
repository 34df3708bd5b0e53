import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { FlagError } from './flags.js';
import { envName, resolveUpConfig } from './up-config.js';
import { FLAGS } from './flags.js';
import { spawnSync } from 'node:child_process';
import { addUpFlags, runRole } from './up.js';
import { certificateFingerprint, checkNodeCertificate } from '../security/ca.js';
import { MalformedTokenError, parseJoinToken, type JoinToken } from '../security/join-token.js';
import { JoinFailure, joinCluster } from '../security/join-client.js';
import { readNodeTls, writeNodeTls } from '../security/files.js';

// `tsmesos join <token> [--role agent|master] [up flags]`: enter the cluster of the token, then
// run as its agent, or as a master that starts with an empty log as a learner and takes the
// cluster's configuration from the leader (the join itself adds it). The certificate is kept in
// `<data-dir>/<role>/tls/`: the same command run again (a restart) reuses it instead of
// spending another use of the token. The token can stay off the command line (and out of
// `ps`): `--token-file FILE`, or `-` for TSMESOS_JOIN_TOKEN.

/** Larger than any token (a few masters' addresses); a bigger file is not a token. */
const MAX_TOKEN_FILE = 16 * 1024;

function parseTokenText(text: string): JoinToken {
  try {
    return parseJoinToken(text.trim());
  } catch (e) {
    if (e instanceof MalformedTokenError) throw new FlagError(e.message);
    throw e;
  }
}

/** The token's text from the argument, `-` (TSMESOS_JOIN_TOKEN) or --token-file. */
export function tokenText(arg: string | undefined, tokenFile: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (arg !== undefined && tokenFile !== undefined) throw new FlagError('give the token once: as an argument or with --token-file, not both');
  if (tokenFile !== undefined) {
    let st: fs.Stats;
    try {
      st = fs.statSync(tokenFile);
    } catch (e) {
      throw new FlagError(`cannot read --token-file ${tokenFile.slice(0, 200)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    if (!st.isFile()) throw new FlagError(`--token-file ${tokenFile.slice(0, 200)} is not a regular file`);
    if (st.size > MAX_TOKEN_FILE) throw new FlagError(`--token-file ${tokenFile.slice(0, 200)} is ${st.size} bytes: not a join token`);
    return fs.readFileSync(tokenFile, 'utf8');
  }
  if (arg === undefined) throw new FlagError('missing the join token', 'pass it as the argument, with --token-file FILE, or - to read TSMESOS_JOIN_TOKEN');
  return arg === '-' ? env['TSMESOS_JOIN_TOKEN'] ?? '' : arg;
}

export function registerJoin(program: Command, setExit: (code: number) => void): void {
  const join = program.command('join')
    .description('join the cluster of a token (from `tsmesos token create`) and run as its agent or master')
    .argument('[token]', 'TSM1.<ca-hash>.<id>.<secret>@host:port[,host:port] (or - to read it from TSMESOS_JOIN_TOKEN)')
    .option('--token-file <FILE>', 'read the token from FILE (keeps the secret off the command line)')
    .option('--foreground', 'on a packaged machine too, run here instead of configuring and starting the systemd unit');
  addUpFlags(join, ['master', 'peers', 'agent-port']);
  join.action(async (tokenArg: string | undefined, opts: Record<string, unknown>) => {
    const { tokenFile, foreground, ...upOpts } = opts as { tokenFile?: string; foreground?: boolean } & Record<string, unknown>;
    const text = tokenText(tokenArg, tokenFile);
    const hook = process.env['TSMESOS_SERVICE_CONFIG'] ?? PACKAGED_HOOK;
    // Under systemd (INVOCATION_ID) a unit runs join itself: never reconfigure units from there.
    if (foreground !== true && fs.existsSync(hook) && process.env['INVOCATION_ID'] === undefined) {
      setExit(installJoin(hook, text, upOpts));
      return;
    }
    await joinAndRun(text, upOpts, setExit);
  });
}

/** The hook the deb and rpm install (packaging/common/tsmesos-service-config). */
const PACKAGED_HOOK = '/usr/lib/tsmesos/tsmesos-service-config';

/**
 * `tsmesos join` on a packaged machine, as k3s's installer does: the token goes to a file only
 * the unit's user reads, the unit's config gets TSMESOS_TOKEN_FILE and the `up` flags given here,
 * and the unit is enabled and started (when systemd runs); its `tsmesos up --token-file` joins at
 * start. Returns the exit code.
 */
function installJoin(hook: string, text: string, upOpts: Record<string, unknown>): number {
  parseTokenText(text);
  const role = (upOpts['role'] as string | undefined) ?? 'agent';
  if (role !== 'agent' && role !== 'master') throw new FlagError(`invalid --role '${role.slice(0, 40)}'`, 'join takes agent or master');
  const confDir = process.env['TSMESOS_CONF_DIR'] ?? '/etc/tsmesos';
  const tokenFile = path.join(confDir, `${role}-join-token`);
  fs.writeFileSync(tokenFile, `${text.trim()}\n`, { mode: 0o600 });
  fs.chmodSync(tokenFile, 0o600);
  // tsmesos.service runs a master as the tsmesos user: it must read its token.
  const owner = role === 'master' ? systemUser('tsmesos') : null;
  if (owner !== null) fs.chownSync(tokenFile, owner.uid, owner.gid);
  const vars = [`TSMESOS_TOKEN_FILE=${tokenFile}`];
  for (const [key, value] of Object.entries(upOpts)) {
    if (key === 'role' || key === 'config' || typeof value !== 'string') continue;
    const spec = (FLAGS as Record<string, { name: string } | undefined>)[key];
    if (spec !== undefined) vars.push(`${envName(spec.name)}=${value}`);
  }
  const r = spawnSync(hook, [role, ...vars], { stdio: 'inherit' });
  if (r.error !== undefined) {
    process.stderr.write(`tsmesos join: cannot run ${hook}: ${r.error.message}\n`);
    return 1;
  }
  if (r.status === 0) process.stdout.write(`the ${role === 'master' ? 'tsmesos' : 'tsmesos-agent'} unit joins the cluster with the token in ${tokenFile} when it starts (run here instead: tsmesos join --foreground)\n`);
  return r.status ?? 1;
}

/** uid and gid of a system user, from /etc/passwd (null when it does not exist). */
function systemUser(name: string): { uid: number; gid: number } | null {
  let passwd = '';
  try {
    passwd = fs.readFileSync('/etc/passwd', 'utf8');
  } catch {
    return null;
  }
  const line = passwd.split('\n').find((l) => l.startsWith(`${name}:`));
  const f = line?.split(':');
  return f !== undefined && f.length >= 4 ? { uid: Number(f[2]), gid: Number(f[3]) } : null;
}

/**
 * Joins the cluster of the token (unless the data dir already holds a valid certificate of it
 * for this node) and runs the role: `tsmesos join`, and `tsmesos up --token-file` (how a
 * packaged agent unit joins).
 */
export async function joinAndRun(text: string, upOpts: Record<string, unknown>, setExit: (code: number) => void): Promise<void> {
  const token = parseTokenText(text);
  const role = (upOpts['role'] as string | undefined) ?? 'agent';
  if (role !== 'agent' && role !== 'master') throw new FlagError(`invalid --role '${role.slice(0, 40)}'`, 'join takes agent or master');
  const masters = token.masters.map((m) => `${m.host}:${m.port}`).join(',');
  // A joining master lists the token's masters as its peers: it is not among them, so it
  // bootstraps no configuration of its own.
  const base = resolveUpConfig({ ...upOpts, role, ...(role === 'agent' ? { master: masters } : { peers: masters }) });
  const port = role === 'agent' ? base.agentPort : base.masterPort;
  const roleDir = path.join(base.dataDir, role);
  let tls = readNodeTls(roleDir);
  const check = tls !== null ? checkNodeCertificate(tls.certPem, tls.caPem, Date.now()) : null;
  const reusable = tls !== null && certificateFingerprint(tls.caPem) === token.caHash && check?.ok === true && check.role === role && check.name === `${base.ip}:${port}`;
  if (!reusable) {
    try {
      tls = await joinCluster(token, { role, ip: base.ip, port, now: () => Date.now() });
    } catch (e) {
      if (!(e instanceof JoinFailure)) throw e;
      process.stderr.write(`tsmesos join: ${e.message}\n`);
      setExit(1);
      return;
    }
    writeNodeTls(roleDir, tls);
  }
  await runRole(role === 'agent' ? { ...base, nodeTls: tls! } : base, setExit);
}
