import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { FlagError } from './flags.js';
import { resolveUpConfig } from './up-config.js';
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
    .option('--token-file <FILE>', 'read the token from FILE (keeps the secret off the command line)');
  addUpFlags(join, ['master', 'peers', 'agent-port']);
  join.action(async (tokenArg: string | undefined, opts: Record<string, unknown>) => {
    const { tokenFile, ...upOpts } = opts as { tokenFile?: string } & Record<string, unknown>;
    await joinAndRun(tokenText(tokenArg, tokenFile), upOpts, setExit);
  });
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
