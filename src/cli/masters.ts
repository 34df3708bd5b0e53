import type { Command } from 'commander';
import { defaultHttpClient as http, type HttpResponse } from '../lib/http-client.js';
import { FlagError, ipv4, port as portFlag } from './flags.js';
import { defaultDataDir } from './flags.js';
import { masterTarget } from './status.js';
import type { DriverStatus } from '../consensus/driver.js';
import path from 'node:path';
import { resolveAdmin } from './admin.js';
import { CliFailure } from './master-client.js';

const RAFT = '/tsmesos/raft/v1';

export interface MasterRow {
  address: string;
  role: string;
  term: number | null;
  commit: number | null;
  applied: number | null;
  lag: number | null;
  error?: string;
}

/**
 * A membership change, sent to the leader (Mesos-style redirects followed) with the admin
 * credential (the data dir's, or TSMESOS_TOKEN), over TLS pinned to the data dir's CA when there.
 */
function changeMembers(opts: { master?: string; dataDir?: string }, body: string): Promise<HttpResponse> {
  const admin = resolveAdmin(opts);
  return admin.http.requestFollowingRedirects({
    host: admin.host, port: admin.port, path: `${RAFT}/members`, timeoutMs: 5000, method: 'POST', body,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${admin.token}` },
  });
}

async function statusOf(address: string, timeoutMs = 1500): Promise<DriverStatus> {
  const [host, port] = address.split(':');
  const res = await http.request({ host: host!, port: Number(port), path: `${RAFT}/status`, timeoutMs });
  if (res.status !== 200) throw new Error(`answered ${res.status}`);
  return JSON.parse(res.body) as DriverStatus;
}

/** Every member's view: address, role, term, commit, applied, lag (leader commit - applied). */
export async function mastersView(target: { host: string; port: number }): Promise<MasterRow[]> {
  const first = await statusOf(`${target.host}:${target.port}`, 5000);
  let leader: DriverStatus | null = first.role === 'leader' ? first : null;
  if (!leader && first.lead) leader = await statusOf(first.lead).catch(() => null);
  const conf = leader ?? first;
  const members = [...conf.voters, ...conf.learners];
  const rows = await Promise.all(members.map(async (m): Promise<MasterRow> => {
    try {
      const s = m === first.id ? first : m === leader?.id ? leader : await statusOf(m);
      const role = conf.learners.includes(m) ? 'learner' : s.role;
      return { address: m, role, term: s.term, commit: s.commit, applied: s.applied, lag: leader ? Math.max(0, leader.commit - s.applied) : null };
    } catch (e) {
      const match = leader?.progress?.find((p) => p.id === m)?.match;
      return {
        address: m, role: conf.learners.includes(m) ? 'learner' : 'unreachable', term: null, commit: null, applied: null,
        lag: leader && match !== undefined ? Math.max(0, leader.commit - match) : null, error: e instanceof Error ? e.message : String(e),
      };
    }
  }));
  return rows;
}

export function formatMasters(rows: MasterRow[]): string[] {
  const out = [`masters: ${rows.length}`];
  out.push(`  ${'ADDRESS'.padEnd(22)} ${'ROLE'.padEnd(12)} ${'TERM'.padStart(6)} ${'COMMIT'.padStart(9)} ${'APPLIED'.padStart(9)} ${'LAG'.padStart(6)}`);
  const n = (v: number | null): string => (v === null ? '-' : String(v));
  for (const r of rows) {
    out.push(`  ${r.address.padEnd(22)} ${r.role.padEnd(12)} ${n(r.term).padStart(6)} ${n(r.commit).padStart(9)} ${n(r.applied).padStart(9)} ${n(r.lag).padStart(6)}${r.error ? `  (${r.error})` : ''}`);
  }
  return out;
}

export function registerMasters(program: Command, setExit: (code: number) => void): void {
  program
    .command('masters')
    .description('list the masters (Raft members), or change membership: add ADDR (a master holding a certificate of this cluster; new masters join with `tsmesos join --role master <token>`, which adds them) | remove ADDR (admin credential)')
    .argument('[action]', 'list (default), add or remove')
    .argument('[address]', 'IP:PORT of the master to add or remove')
    .option('--master <URL>', 'master to ask (default http://127.0.0.1:5050, or TSMESOS_MASTER)')
    .option('--data-dir <DIR>', 'a master\'s data dir, for the admin credential add and remove need (default: as `up`; or TSMESOS_TOKEN)')
    .option('--json', 'print JSON')
    .action(async (action: string | undefined, address: string | undefined, opts: { master?: string; dataDir?: string; json?: boolean }) => {
      const target = masterTarget(opts.master);
      const act = action ?? 'list';
      if (!['list', 'add', 'remove'].includes(act)) throw new FlagError(`unknown masters action '${act.slice(0, 40)}': expected list, add or remove`);
      try {
        if (act === 'list') {
          const rows = await mastersView(target);
          process.stdout.write(opts.json ? JSON.stringify(rows) + '\n' : formatMasters(rows).join('\n') + '\n');
          return;
        }
        if (address === undefined || !/^[^:]+:\d+$/.test(address)) throw new FlagError(`masters ${act}: expected IP:PORT of a master`);
        const res = await changeMembers(opts, JSON.stringify({ action: act, address }));
        if (res.status !== 200) {
          process.stderr.write(`tsmesos masters ${act}: ${res.status} ${res.body.slice(0, 300)}\n`);
          setExit(1);
          return;
        }
        const r = JSON.parse(res.body) as { voters: string[]; learners: string[] };
        process.stdout.write(opts.json ? res.body + '\n' : `voters: ${r.voters.join(',')}\nlearners: ${r.learners.join(',') || '(none)'}\n`);
      } catch (e) {
        if (e instanceof FlagError) throw e;
        if (e instanceof CliFailure) {
          process.stderr.write(`tsmesos masters: ${e.message}\n`);
          setExit(1);
          return;
        }
        process.stderr.write(`tsmesos masters: cannot reach the master at ${target.host}:${target.port}: ${e instanceof Error ? e.message : String(e)}\n`);
        setExit(1);
      }
    });

  program
    .command('recover')
    .description('quorum lost for good: make this master the only member of a new cluster, keeping its data; then start it with `up`')
    .option('--data-dir <DIR>', 'the master\'s state directory')
    .option('--force-new-cluster', 'required: rewrite membership to just this master')
    .option('--ip <ADDR>', 'this master\'s address, if the data directory does not record it')
    .option('--port <N>', 'this master\'s port (default 5050), with --ip')
    .action(async (opts: { dataDir?: string; forceNewCluster?: boolean; ip?: string; port?: string }) => {
      if (!opts.forceNewCluster) throw new FlagError('recover: --force-new-cluster is required (it is the only recovery mode)');
      const dataDir = path.resolve(opts.dataDir ?? defaultDataDir());
      const id = opts.ip !== undefined ? `${ipv4('ip')(opts.ip)}:${opts.port !== undefined ? portFlag('port')(opts.port) : 5050}` : undefined;
      try {
        const { forceNewCluster } = await import('../ha/recover.js');
        const r = forceNewCluster(dataDir, id);
        process.stdout.write(`recovered ${r.id}: new one-member cluster at index ${r.index}, term ${r.term} (previous voters: ${r.previousVoters.join(',') || 'unknown'})\n` +
          'start it with `tsmesos up --role master` and grow it with `tsmesos token create --role master` + `tsmesos join --role master`\n');
      } catch (e) {
        process.stderr.write(`tsmesos recover: ${e instanceof Error ? e.message : String(e)}\n`);
        setExit(1);
      }
    });
}
