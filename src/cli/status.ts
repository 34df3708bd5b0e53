import type { Command } from 'commander';
import { MasterHttpError, cliBearer, requestMaster, type MasterUrl } from './master-http.js';
import { FlagError } from './flags.js';
import { formatMasters, mastersView } from './masters.js';

interface LegacyState {
  leader?: string;
  id?: string;
  slaves?: { id: string; hostname: string; active: boolean; resources: Record<string, number | string>; used_resources: Record<string, number | string> }[];
  frameworks?: { id: string; name: string; active: boolean; tasks: { state: string }[]; completed_tasks: { state: string }[] }[];
}

export function parseMasterUrl(raw: string): MasterUrl {
  let u: URL;
  if (raw.includes('://') && !/^https?:\/\//.test(raw)) throw new FlagError(`invalid --master '${raw.slice(0, 80)}'`, 'expected an http:// or https:// URL such as http://127.0.0.1:5050');
  try {
    u = new URL(/^https?:\/\//.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new FlagError(`invalid --master '${raw.slice(0, 80)}'`, 'expected a URL such as http://127.0.0.1:5050');
  }
  return { host: u.hostname, port: Number(u.port || 5050), scheme: u.protocol === 'https:' ? 'https' : 'http' };
}

/** The master to ask: --master, else TSMESOS_MASTER, else 127.0.0.1:5050; a bad value says where it came from. */
export function masterTarget(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): MasterUrl {
  const fromEnv = env['TSMESOS_MASTER'];
  try {
    return parseMasterUrl(flag ?? fromEnv ?? 'http://127.0.0.1:5050');
  } catch (e) {
    if (e instanceof FlagError) throw e.from(flag !== undefined ? 'from the command line' : 'from the environment variable TSMESOS_MASTER');
    throw e;
  }
}

const fmt = (n: number | string | undefined): string => (typeof n === 'number' ? String(Math.round(n * 1000) / 1000) : String(n ?? 0));

export function registerStatus(program: Command, setExit: (code: number) => void): void {
  program
    .command('status')
    .description('show the leader, agents, resources used/total, frameworks and tasks by state')
    .option('--master <URL>', 'master to ask (default http://127.0.0.1:5050, or TSMESOS_MASTER)')
    .option('--json', 'print the raw /master/state JSON')
    .action(async (opts: { master?: string; json?: boolean }) => {
      const target = masterTarget(opts.master);
      let res;
      try {
        const bearer = cliBearer();
        res = await requestMaster(target, { path: '/master/state', timeoutMs: 5000 }, bearer !== undefined ? { bearer } : {});
      } catch (e) {
        if (e instanceof MasterHttpError) {
          process.stderr.write(`tsmesos status: ${e.message}\n`);
          setExit(1);
          return;
        }
        process.stderr.write(`tsmesos status: cannot reach the master at ${target.host}:${target.port}: ${e instanceof Error ? e.message : String(e)}\n`);
        setExit(1);
        return;
      }
      if (res.status !== 200) {
        process.stderr.write(`tsmesos status: master answered ${res.status}: ${res.body.slice(0, 300)}\n`);
        setExit(1);
        return;
      }
      if (opts.json) {
        process.stdout.write(res.body + '\n');
        return;
      }
      const s = JSON.parse(res.body) as LegacyState;
      const out: string[] = [];
      out.push(`leader: ${s.leader ?? '(none)'}  id: ${s.id ?? ''}`);
      try {
        out.push(...formatMasters(await mastersView(target)));
      } catch (e) {
        out.push(`masters: unknown (${e instanceof Error ? e.message : String(e)})`);
      }
      const agents = s.slaves ?? [];
      out.push(`agents: ${agents.length}`);
      for (const a of agents) {
        const r = a.resources;
        const u = a.used_resources;
        out.push(`  ${a.id} ${a.hostname} ${a.active ? 'active' : 'inactive'}  cpus ${fmt(u['cpus'])}/${fmt(r['cpus'])}  mem ${fmt(u['mem'])}/${fmt(r['mem'])} MB  disk ${fmt(u['disk'])}/${fmt(r['disk'])} MB`);
      }
      const fws = s.frameworks ?? [];
      out.push(`frameworks: ${fws.length}`);
      const byState = new Map<string, number>();
      for (const f of fws) {
        out.push(`  ${f.id} ${f.name} ${f.active ? 'active' : 'inactive'}  tasks ${f.tasks.length}`);
        for (const t of [...f.tasks, ...f.completed_tasks]) byState.set(t.state, (byState.get(t.state) ?? 0) + 1);
      }
      const states = [...byState.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => `${k}=${v}`);
      out.push(`tasks: ${states.length > 0 ? states.join(' ') : 'none'}`);
      process.stdout.write(out.join('\n') + '\n');
    });
}
