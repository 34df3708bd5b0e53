import type { Command } from 'commander';
import { fmt, masterGet, runCommand, table, type MasterOptions } from './master-client.js';

interface LegacyAgent {
  id: string;
  hostname: string;
  active: boolean;
  deactivated?: boolean;
  resources: Record<string, number | string>;
  used_resources: Record<string, number | string>;
}

export function registerAgent(program: Command, setExit: (code: number) => void): void {
  const agent = program.command('agent').description('inspect agents');
  agent.command('ls')
    .description('list agents with resources used/total')
    .option('--master <URL>', 'master to ask (default http://127.0.0.1:5050, or TSMESOS_MASTER)')
    .option('--json', 'print the agents as JSON (the /master/slaves shape)')
    .action((opts: MasterOptions) => runCommand('agent ls', setExit, async () => {
      const body = await masterGet<{ slaves: LegacyAgent[]; recovered_slaves?: { id: string; hostname: string }[] }>(opts, '/master/slaves');
      if (opts.json) {
        process.stdout.write(JSON.stringify(body) + '\n');
        return;
      }
      const used = (a: LegacyAgent, k: string): string => `${fmt(a.used_resources[k])}/${fmt(a.resources[k])}`;
      const rows = body.slaves.map((a) => [a.id, a.hostname, a.deactivated ? 'deactivated' : a.active ? 'active' : 'disconnected', used(a, 'cpus'), used(a, 'mem'), used(a, 'disk')]);
      for (const r of body.recovered_slaves ?? []) rows.push([r.id, r.hostname, 'recovered', '-', '-', '-']);
      process.stdout.write(table(['ID', 'HOSTNAME', 'STATE', 'CPUS', 'MEM (MB)', 'DISK (MB)'], rows));
    }));
}
