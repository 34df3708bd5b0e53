import fs from 'node:fs';
import type { Command } from 'commander';
import { masterJson, runCommand, table, CliFailure, fmt, type MasterOptions } from './master-client.js';

// `tsmesos app ...`: a thin client of the Marathon-compatible /v2 API of the leading master.

interface AppJson {
  id: string;
  instances: number;
  cpus: number;
  mem: number;
  cmd?: string;
  tasksRunning: number;
  tasksStaged: number;
  deployments: { id: string }[];
  version: string;
}
interface TaskJson { id: string; host: string; ports: number[]; state: string; startedAt?: string }

const MASTER_HELP = 'master to ask (default http://127.0.0.1:5050, or TSMESOS_MASTER)';
const appPath = (id: string): string => `/v2/apps/${id.replace(/^\//, '')}`;
const forceQuery = (force: boolean | undefined): string => (force ? '?force=true' : '');

function deployed(opts: MasterOptions, what: string, body: { deploymentId?: string; version?: string }): void {
  process.stdout.write(opts.json ? JSON.stringify(body) + '\n' : `${what} (deployment ${body.deploymentId ?? '?'})\n`);
}

function nonNegativeInt(raw: string, what: string): number {
  if (!/^\d{1,6}$/.test(raw)) throw new CliFailure(`${what} must be a whole number 0-999999, not '${raw.slice(0, 40)}'`);
  return Number(raw);
}

interface DeploymentJson { id: string; version: string; affectedApps: string[]; currentActions: { action: string; app: string }[]; currentStep: number; totalSteps: number }

/** `tsmesos deployment ls|rollback`: the /v2/deployments API. */
function registerDeployment(program: Command, setExit: (code: number) => void): void {
  const deployment = program.command('deployment').description('running deployments of services (the Marathon-compatible /v2/deployments API)');
  deployment.command('ls')
    .description('list running deployments')
    .option('--master <URL>', MASTER_HELP)
    .option('--json', 'print the deployments as JSON (the /v2/deployments shape)')
    .action((opts: MasterOptions) => runCommand('deployment ls', setExit, async () => {
      const list = await masterJson<DeploymentJson[]>(opts, '/v2/deployments');
      if (opts.json) {
        process.stdout.write(JSON.stringify(list) + '\n');
        return;
      }
      process.stdout.write(table(['ID', 'VERSION', 'STEP', 'APPS', 'ACTIONS'], list.map((d) => [
        d.id, d.version, `${d.currentStep}/${d.totalSteps}`, d.affectedApps.join(',').slice(0, 80), [...new Set(d.currentActions.map((a) => a.action))].join(','),
      ])));
    }));
  deployment.command('rollback <ID>')
    .description('roll a deployment back (a new deployment restores the apps as they were); --force only cancels it, leaving the apps as they are')
    .option('--force', 'cancel without rolling back')
    .option('--master <URL>', MASTER_HELP)
    .option('--json', 'print {deploymentId, version} of the rollback ({} when cancelled)')
    .action((id: string, opts: MasterOptions & { force?: boolean }) => runCommand('deployment rollback', setExit, async () => {
      if (!/^[A-Za-z0-9-]{1,100}$/.test(id)) throw new CliFailure(`'${id.slice(0, 40)}' is not a deployment id`);
      const body = await masterJson<{ deploymentId?: string; version?: string } | null>(opts, `/v2/deployments/${id}${forceQuery(opts.force)}`, { method: 'DELETE' });
      if (body === null) process.stdout.write(opts.json ? '{}\n' : `cancelled deployment ${id}\n`);
      else deployed(opts, `rolling back deployment ${id}`, body);
    }));
}

export function registerApp(program: Command, setExit: (code: number) => void): void {
  registerDeployment(program, setExit);
  const app = program.command('app').description('long-running services (the Marathon-compatible /v2/apps API)');
  app.command('ls')
    .description('list apps')
    .option('--master <URL>', MASTER_HELP)
    .option('--json', 'print the apps as JSON (the /v2/apps shape)')
    .action((opts: MasterOptions) => runCommand('app ls', setExit, async () => {
      const body = await masterJson<{ apps: AppJson[] }>(opts, '/v2/apps');
      if (opts.json) {
        process.stdout.write(JSON.stringify(body) + '\n');
        return;
      }
      process.stdout.write(table(['ID', 'INSTANCES', 'RUNNING', 'CPUS', 'MEM', 'DEPLOYING', 'CMD'], body.apps.map((a) => [
        a.id, String(a.instances), String(a.tasksRunning), fmt(a.cpus), fmt(a.mem), a.deployments.length > 0 ? 'yes' : 'no', (a.cmd ?? '').slice(0, 60),
      ])));
    }));
  app.command('show <ID>')
    .description('show one app and its tasks')
    .option('--master <URL>', MASTER_HELP)
    .option('--json', 'print the app as JSON (the /v2/apps/{id} shape)')
    .action((id: string, opts: MasterOptions) => runCommand('app show', setExit, async () => {
      const body = await masterJson<{ app: AppJson & { tasks: TaskJson[] } }>(opts, appPath(id));
      if (opts.json) {
        process.stdout.write(JSON.stringify(body) + '\n');
        return;
      }
      const a = body.app;
      process.stdout.write(`${a.id}: ${a.tasksRunning}/${a.instances} running, cpus ${fmt(a.cpus)}, mem ${fmt(a.mem)}, version ${a.version}\n`);
      process.stdout.write(table(['TASK', 'STATE', 'HOST', 'PORTS'], a.tasks.map((t) => [t.id, t.state, t.host, t.ports.join(',')])));
    }));
  app.command('create')
    .description('create an app from a JSON file (-f) or from flags')
    .option('-f, --file <FILE>', 'the app definition as Marathon JSON')
    .option('--id <ID>', 'app id, e.g. /prod/web')
    .option('--cmd <CMD>', 'shell command ($PORT0 is its first port)')
    .option('--instances <N>', 'instances (default 1)')
    .option('--cpus <N>', 'cpus per instance (default 1)')
    .option('--mem <MB>', 'memory per instance (default 128)')
    .option('--master <URL>', MASTER_HELP)
    .option('--json', 'print the created app as JSON')
    .action((opts: MasterOptions & { file?: string; id?: string; cmd?: string; instances?: string; cpus?: string; mem?: string }) => runCommand('app create', setExit, async () => {
      let def: unknown;
      if (opts.file !== undefined) {
        try {
          def = JSON.parse(fs.readFileSync(opts.file, 'utf8')) as unknown;
        } catch (e) {
          throw new CliFailure(`cannot read ${opts.file}: ${e instanceof Error ? e.message : String(e)}`);
        }
      } else {
        if (opts.id === undefined) throw new CliFailure('give -f FILE or at least --id (and --cmd)');
        const num = (v: string | undefined, what: string): number | undefined => {
          if (v === undefined) return undefined;
          const n = Number(v);
          if (!Number.isFinite(n)) throw new CliFailure(`--${what} must be a number, not '${v.slice(0, 40)}'`);
          return n;
        };
        def = {
          id: opts.id, ...(opts.cmd !== undefined ? { cmd: opts.cmd } : {}),
          ...(opts.instances !== undefined ? { instances: nonNegativeInt(opts.instances, '--instances') } : {}),
          ...(opts.cpus !== undefined ? { cpus: num(opts.cpus, 'cpus') } : {}), ...(opts.mem !== undefined ? { mem: num(opts.mem, 'mem') } : {}),
        };
      }
      const created = await masterJson<AppJson>(opts, '/v2/apps', { method: 'POST', body: def });
      process.stdout.write(opts.json ? JSON.stringify(created) + '\n' : `created ${created.id} (deployment ${created.deployments[0]?.id ?? '?'})\n`);
    }));
  app.command('scale <ID> <N>')
    .description('set the number of instances')
    .option('--force', 'override a running deployment')
    .option('--master <URL>', MASTER_HELP)
    .option('--json', 'print {deploymentId, version}')
    .action((id: string, n: string, opts: MasterOptions & { force?: boolean }) => runCommand('app scale', setExit, async () => {
      const instances = nonNegativeInt(n, 'N');
      deployed(opts, `scaling ${id} to ${instances}`, await masterJson(opts, appPath(id) + forceQuery(opts.force), { method: 'PUT', body: { instances } }));
    }));
  app.command('restart <ID>')
    .description('replace every instance (a rolling restart)')
    .option('--force', 'override a running deployment')
    .option('--master <URL>', MASTER_HELP)
    .option('--json', 'print {deploymentId, version}')
    .action((id: string, opts: MasterOptions & { force?: boolean }) => runCommand('app restart', setExit, async () => {
      deployed(opts, `restarting ${id}`, await masterJson(opts, `${appPath(id)}/restart${forceQuery(opts.force)}`, { method: 'POST' }));
    }));
  app.command('rm <ID>')
    .description('delete an app and kill its instances')
    .option('--force', 'override a running deployment')
    .option('--master <URL>', MASTER_HELP)
    .option('--json', 'print {deploymentId, version}')
    .action((id: string, opts: MasterOptions & { force?: boolean }) => runCommand('app rm', setExit, async () => {
      deployed(opts, `deleting ${id}`, await masterJson(opts, appPath(id) + forceQuery(opts.force), { method: 'DELETE' }));
    }));
  app.command('tasks <ID>')
    .description("list an app's tasks")
    .option('--master <URL>', MASTER_HELP)
    .option('--json', 'print the tasks as JSON (the /v2/apps/{id}/tasks shape)')
    .action((id: string, opts: MasterOptions) => runCommand('app tasks', setExit, async () => {
      const body = await masterJson<{ tasks: TaskJson[] }>(opts, `${appPath(id)}/tasks`);
      process.stdout.write(opts.json ? JSON.stringify(body) + '\n' : table(['TASK', 'STATE', 'HOST', 'PORTS', 'STARTED'], body.tasks.map((t) => [t.id, t.state, t.host, t.ports.join(','), t.startedAt ?? ''])));
    }));
}
