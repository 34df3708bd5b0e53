import type { Command } from 'commander';
import { CliFailure, fmt, masterGet, operatorAction, runCommand, table, type MasterOptions } from './master-client.js';

interface LegacyAgent {
  id: string;
  hostname: string;
  active: boolean;
  deactivated?: boolean;
  drain_info?: { state: string };
  resources: Record<string, number | string>;
  used_resources: Record<string, number | string>;
}

export function registerAgent(program: Command, setExit: (code: number) => void): void {
  const agent = program.command('agent').description('inspect, drain, deactivate and remove agents');
  agent.command('ls')
    .description('list agents with resources used/total')
    .option('--master <URL>', MASTER_HELP)
    .option('--json', 'print the agents as JSON (the /master/slaves shape)')
    .action((opts: MasterOptions) => runCommand('agent ls', setExit, async () => {
      const body = await masterGet<{ slaves: LegacyAgent[]; recovered_slaves?: { id: string; hostname: string }[] }>(opts, '/master/slaves');
      if (opts.json) {
        process.stdout.write(JSON.stringify(body) + '\n');
        return;
      }
      const used = (a: LegacyAgent, k: string): string => `${fmt(a.used_resources[k])}/${fmt(a.resources[k])}`;
      const rows = body.slaves.map((a) => [a.id, a.hostname, a.drain_info ? a.drain_info.state.toLowerCase() : a.deactivated ? 'deactivated' : a.active ? 'active' : 'disconnected', used(a, 'cpus'), used(a, 'mem'), used(a, 'disk')]);
      for (const r of body.recovered_slaves ?? []) rows.push([r.id, r.hostname, 'recovered', '-', '-', '-']);
      process.stdout.write(table(['ID', 'HOSTNAME', 'STATE', 'CPUS', 'MEM (MB)', 'DISK (MB)'], rows));
    }));
  agent.command('drain <ID>')
    .description('stop offers and kill the agent\'s tasks (operator DRAIN_AGENT); it is drained once none is left')
    .option('--max-grace-period <SECONDS>', 'cap on each task\'s kill grace period, in seconds')
    .option('--mark-gone', 'remove the agent for good once drained')
    .option('--master <URL>', MASTER_HELP)
    .action((id: string, opts: MasterOptions & { maxGracePeriod?: string; markGone?: boolean }) => runCommand('agent drain', setExit, async () => {
      const grace = opts.maxGracePeriod;
      if (grace !== undefined && !/^[0-9]{1,9}(\.[0-9]{1,3})?$/.test(grace)) throw new CliFailure(`invalid --max-grace-period '${grace.slice(0, 40)}': expected seconds, e.g. 30 or 2.5`);
      await operatorAction(opts, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: id }, ...(grace !== undefined ? { max_grace_period: `${grace}s` } : {}), ...(opts.markGone ? { mark_gone: true } : {}) } });
      process.stdout.write(`agent ${id} draining${opts.markGone ? '; it is marked gone once drained' : ''}\n`);
    }));
  for (const [name, type, field, done, help] of [
    ['deactivate', 'DEACTIVATE_AGENT', 'deactivate_agent', 'deactivated (no offers; its tasks keep running)', 'stop offers from the agent; its tasks keep running'],
    ['reactivate', 'REACTIVATE_AGENT', 'reactivate_agent', 'reactivated', 'offer the agent again (after deactivate, or once drained)'],
    ['gone', 'MARK_AGENT_GONE', 'mark_agent_gone', 'marked gone', 'remove the agent for good: its tasks are gone, it cannot come back under this id'],
  ] as const) {
    agent.command(`${name} <ID>`)
      .description(help)
      .option('--master <URL>', MASTER_HELP)
      .action((id: string, opts: MasterOptions) => runCommand(`agent ${name}`, setExit, async () => {
        await operatorAction(opts, { type, [field]: { agent_id: { value: id } } });
        process.stdout.write(`agent ${id} ${done}\n`);
      }));
  }
}

const MASTER_HELP = 'master to ask (default http://127.0.0.1:5050, or TSMESOS_MASTER)';
