import type { Command } from 'commander';
import { isTaskState, isTerminal } from '../domain/task-state.js';
import { FlagError } from './flags.js';
import { CliFailure, masterGet, masterPostForm, runCommand, table, type MasterOptions } from './master-client.js';
import { registerTaskLog } from './task-log.js';

/** A task in /master/tasks (Mesos legacy JSON). */
export interface LegacyTask {
  id: string;
  name: string;
  framework_id: string;
  slave_id: string;
  state: string;
}

/** A state the master reports as terminal (a name we do not know is not). */
export const ended = (state: string): boolean => isTaskState(state) && isTerminal(state);

/** Every task the master knows, oldest first (one page of a million: /master/tasks pages at 100 by default). */
async function allTasks(opts: MasterOptions, query: Record<string, string> = {}): Promise<LegacyTask[]> {
  const q = new URLSearchParams({ limit: '1000000', order: 'asc', ...query });
  return (await masterGet<{ tasks: LegacyTask[] }>(opts, `/master/tasks?${q.toString()}`)).tasks;
}

export function registerTask(program: Command, setExit: (code: number) => void): void {
  const task = program.command('task').description('list and stop tasks');
  task.command('ls')
    .description('list tasks (active and completed)')
    .option('--state <STATE>', 'only tasks in this state (TASK_RUNNING, or RUNNING)')
    .option('--framework <ID>', 'only tasks of this framework')
    .option('--master <URL>', 'master to ask (default http://127.0.0.1:5050, or TSMESOS_MASTER)')
    .option('--json', 'print the tasks as JSON (the /master/tasks shape)')
    .action((opts: MasterOptions & { state?: string; framework?: string }) => runCommand('task ls', setExit, async () => {
      let state: string | undefined;
      if (opts.state !== undefined) {
        state = opts.state.toUpperCase().startsWith('TASK_') ? opts.state.toUpperCase() : `TASK_${opts.state.toUpperCase()}`;
        if (!isTaskState(state)) throw new FlagError(`invalid --state '${opts.state.slice(0, 40)}'`, 'expected a Mesos task state such as TASK_RUNNING or RUNNING').from('from the command line');
      }
      const tasks = (await allTasks(opts, opts.framework !== undefined ? { framework_id: opts.framework } : {})).filter((t) => state === undefined || t.state === state);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ tasks }) + '\n');
        return;
      }
      process.stdout.write(table(['ID', 'NAME', 'STATE', 'FRAMEWORK', 'AGENT'], tasks.map((t) => [t.id, t.name, t.state, t.framework_id, t.slave_id])));
    }));
  task.command('kill <ID>')
    .description("stop a task: Mesos's operator API has no per-task kill (the framework owns its tasks); --teardown-framework tears down the task's framework, killing all its tasks")
    .option('--teardown-framework', "tear down the task's whole framework (POST /master/teardown)")
    .option('--master <URL>', 'master to ask (default http://127.0.0.1:5050, or TSMESOS_MASTER)')
    .option('--json', 'print the result as JSON')
    .action((id: string, opts: MasterOptions & { teardownFramework?: boolean }) => runCommand('task kill', setExit, async () => {
      const found = (await allTasks(opts, { task_id: id })).filter((t) => !ended(t.state));
      if (found.length === 0) throw new CliFailure(`no active task '${id.slice(0, 255)}'`);
      if (found.length > 1) throw new CliFailure(`task id '${id}' is used by ${found.length} frameworks (${found.map((t) => t.framework_id).join(', ')}); tear one down with tsmesos framework teardown ID`);
      const t = found[0]!;
      if (!opts.teardownFramework) {
        throw new CliFailure(`the Mesos operator API cannot kill one task: its framework ${t.framework_id} kills it (scheduler API KILL). ` +
          `Ask the framework, or pass --teardown-framework to tear down framework ${t.framework_id} and every task it runs`);
      }
      await masterPostForm(opts, '/master/teardown', { frameworkId: t.framework_id });
      if (opts.json) process.stdout.write(JSON.stringify({ task: t.id, framework_id: t.framework_id, torn_down: true }) + '\n');
      else process.stdout.write(`framework ${t.framework_id} torn down; its tasks, ${t.id} included, are being killed\n`);
    }));
  registerTaskLog(task, setExit);
}
