import fs from 'node:fs';
import type { Command } from 'commander';
import { CliFailure, masterGet, masterPostJson, runCommand, table, type MasterOptions } from './master-client.js';

// `tsmesos maintenance schedule|status|down|up`: thin clients of Mesos's maintenance endpoints
// (/master/maintenance/schedule, /master/maintenance/status, /master/machine/down|up).
// Machines are written HOST or HOST=IP, as Mesos's MachineID has both.

interface MachineId { hostname?: string; ip?: string }
interface StatusJson { draining_machines?: { id: MachineId }[]; down_machines?: MachineId[] }

/** `host` or `host=ip` as a MachineID. */
export function machineId(text: string): MachineId {
  const m = /^([A-Za-z0-9.-]{1,253})(?:=([0-9.]{7,15}))?$/.exec(text);
  if (!m) throw new CliFailure(`invalid machine '${text.slice(0, 80)}': expected HOSTNAME or HOSTNAME=IP`);
  return { hostname: m[1]!, ...(m[2] !== undefined ? { ip: m[2] } : {}) };
}

const name = (m: MachineId): string => `${m.hostname ?? ''}${m.ip !== undefined ? `=${m.ip}` : ''}`;
const MASTER_HELP = 'master to ask (default http://127.0.0.1:5050, or TSMESOS_MASTER)';

export function registerMaintenance(program: Command, setExit: (code: number) => void): void {
  const mt = program.command('maintenance').description('maintenance schedules and machines down/up (Mesos maintenance primitives)');
  mt.command('schedule')
    .description('print the maintenance schedule, or replace it with --file (a Mesos Schedule JSON: {"windows": [...]}; {"windows": []} clears it)')
    .option('--file <FILE>', 'the schedule to post (- for stdin)')
    .option('--master <URL>', MASTER_HELP)
    .action((opts: MasterOptions & { file?: string }) => runCommand('maintenance schedule', setExit, async () => {
      if (opts.file === undefined) {
        process.stdout.write(JSON.stringify(await masterGet<unknown>(opts, '/master/maintenance/schedule'), null, 2) + '\n');
        return;
      }
      let text: string;
      try {
        text = fs.readFileSync(opts.file === '-' ? 0 : opts.file, 'utf8');
      } catch (e) {
        throw new CliFailure(`cannot read ${opts.file}: ${e instanceof Error ? e.message : String(e)}`);
      }
      let schedule: unknown;
      try {
        schedule = JSON.parse(text);
      } catch (e) {
        throw new CliFailure(`${opts.file} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
      }
      await masterPostJson(opts, '/master/maintenance/schedule', schedule);
      process.stdout.write('maintenance schedule updated\n');
    }));
  mt.command('status')
    .description('machines draining (scheduled) and down')
    .option('--master <URL>', MASTER_HELP)
    .option('--json', 'print the ClusterStatus JSON')
    .action((opts: MasterOptions) => runCommand('maintenance status', setExit, async () => {
      const s = await masterGet<StatusJson>(opts, '/master/maintenance/status');
      if (opts.json) {
        process.stdout.write(JSON.stringify(s) + '\n');
        return;
      }
      const rows = [...(s.draining_machines ?? []).map((d) => [name(d.id), 'draining']), ...(s.down_machines ?? []).map((m) => [name(m), 'down'])];
      process.stdout.write(table(['MACHINE', 'MODE'], rows));
    }));
  for (const [verb, path, done] of [['down', '/master/machine/down', 'down'], ['up', '/master/machine/up', 'up']] as const) {
    mt.command(`${verb} <MACHINE...>`)
      .description(verb === 'down'
        ? 'take scheduled machines down (HOST or HOST=IP, as in the schedule): their agents are removed and may not register until up'
        : 'bring machines back up: they leave the schedule and their agents may register again')
      .option('--master <URL>', MASTER_HELP)
      .action((machines: string[], opts: MasterOptions) => runCommand(`maintenance ${verb}`, setExit, async () => {
        const ids = machines.map(machineId);
        await masterPostJson(opts, path, ids);
        process.stdout.write(`${ids.map(name).join(', ')} ${done}\n`);
      }));
  }
}
