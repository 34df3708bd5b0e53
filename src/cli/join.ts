import path from 'node:path';
import type { Command } from 'commander';
import { FlagError } from './flags.js';
import { resolveUpConfig } from './up-config.js';
import { addUpFlags, runRole } from './up.js';
import { certificateFingerprint, checkNodeCertificate } from '../security/ca.js';
import { MalformedTokenError, parseJoinToken, type JoinToken } from '../security/join-token.js';
import { JoinFailure, joinCluster } from '../security/join-client.js';
import { readNodeTls, writeNodeTls } from '../security/files.js';

// `tsmesos join <token> --role agent [up flags]`: enter the cluster of the token, then run as
// its agent. The certificate is kept in `<data-dir>/agent/tls/`: the same command run again
// (a restart) reuses it instead of spending another use of the token.

function parseTokenArg(text: string): JoinToken {
  try {
    return parseJoinToken(text);
  } catch (e) {
    if (e instanceof MalformedTokenError) throw new FlagError(e.message);
    throw e;
  }
}

export function registerJoin(program: Command, setExit: (code: number) => void): void {
  const join = program.command('join')
    .description('join the cluster of a token (from `tsmesos token create`) and run as its agent')
    .argument('<token>', 'TSM1.<ca-hash>.<id>.<secret>@host:port[,host:port] (or - to read it from TSMESOS_JOIN_TOKEN)');
  addUpFlags(join, ['master', 'peers', 'agent-port']);
  join.action(async (tokenArg: string, opts: Record<string, unknown>) => {
    const text = tokenArg === '-' ? process.env['TSMESOS_JOIN_TOKEN'] ?? '' : tokenArg;
    const token = parseTokenArg(text);
    const role = (opts['role'] as string | undefined) ?? 'agent';
    if (role === 'master') {
      process.stderr.write('tsmesos join: joining as a master is not implemented yet; start it with `up --role master` and add it with `tsmesos masters add`\n');
      setExit(1);
      return;
    }
    if (role !== 'agent') throw new FlagError(`invalid --role '${role.slice(0, 40)}'`, 'join takes agent (or master, not yet)');
    const base = resolveUpConfig({ ...opts, role: 'agent', master: token.masters.map((m) => `${m.host}:${m.port}`).join(',') });
    const roleDir = path.join(base.dataDir, 'agent');
    let tls = readNodeTls(roleDir);
    const reusable = tls !== null && certificateFingerprint(tls.caPem) === token.caHash && checkNodeCertificate(tls.certPem, tls.caPem, Date.now()).ok;
    if (!reusable) {
      try {
        tls = await joinCluster(token, { role: 'agent', ip: base.ip, port: base.agentPort, now: () => Date.now() });
      } catch (e) {
        if (!(e instanceof JoinFailure)) throw e;
        process.stderr.write(`tsmesos join: ${e.message}\n`);
        setExit(1);
        return;
      }
      writeNodeTls(roleDir, tls);
    }
    await runRole({ ...base, nodeTls: tls! }, setExit);
  });
}
