import type { Command } from 'commander';
import { masterGet, masterPostForm, runCommand, table, type MasterOptions } from './master-client.js';

interface LegacyFramework {
  id: string;
  name: string;
  active: boolean;
  connected: boolean;
  role?: string;
  roles?: string[];
  tasks: unknown[];
}

const MASTER_HELP = 'master to ask (default http://127.0.0.1:5050, or TSMESOS_MASTER)';

export function registerFramework(program: Command, setExit: (code: number) => void): void {
  const fw = program.command('framework').description('inspect and tear down frameworks');
  fw.command('ls')
    .description('list frameworks (completed ones with --all)')
    .option('--all', 'include completed frameworks')
    .option('--master <URL>', MASTER_HELP)
    .option('--json', 'print the frameworks as JSON (the /master/frameworks shape)')
    .action((opts: MasterOptions & { all?: boolean }) => runCommand('framework ls', setExit, async () => {
      const body = await masterGet<{ frameworks: LegacyFramework[]; completed_frameworks: LegacyFramework[] }>(opts, '/master/frameworks');
      if (opts.json) {
        process.stdout.write(JSON.stringify(opts.all ? body : { frameworks: body.frameworks }) + '\n');
        return;
      }
      const row = (f: LegacyFramework, state: string): string[] => [f.id, f.name, state, (f.roles ?? [f.role ?? '*']).join(','), String(f.tasks.length)];
      const rows = body.frameworks.map((f) => row(f, f.active ? 'active' : f.connected ? 'inactive' : 'disconnected'));
      if (opts.all) rows.push(...body.completed_frameworks.map((f) => row(f, 'completed')));
      process.stdout.write(table(['ID', 'NAME', 'STATE', 'ROLES', 'TASKS'], rows));
    }));
  fw.command('teardown <ID>')
    .description('remove a framework and kill all its tasks (POST /master/teardown)')
    .option('--master <URL>', MASTER_HELP)
    .option('--json', 'print the result as JSON')
    .action((id: string, opts: MasterOptions) => runCommand('framework teardown', setExit, async () => {
      await masterPostForm(opts, '/master/teardown', { frameworkId: id });
      process.stdout.write(opts.json ? JSON.stringify({ framework_id: id, torn_down: true }) + '\n' : `framework ${id} torn down\n`);
    }));
}
