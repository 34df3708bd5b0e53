import type { Command } from 'commander';
import { defaultHttpClient as http } from '../lib/http-client.js';
import { CliFailure, masterGet, runCommand, type MasterOptions } from './master-client.js';
import { ended, type LegacyTask } from './tasks.js';

// `tsmesos task log ID`: a task's stdout or stderr, read from its sandbox through the agent's
// /files API as the web UI and Mesos's CLI do (master: which agent; agent /state: which
// directory; /files/read: the bytes). --follow polls from the last offset until the task has
// ended and its file is read to the end.

const CHUNK = 512 * 1024;

interface AgentExecutor { id: string; directory: string }
interface AgentFramework { id: string; executors: AgentExecutor[]; completed_executors: AgentExecutor[] }

async function agentGet<T>(agent: { host: string; port: number }, path: string): Promise<T> {
  let res;
  try {
    res = await http.request({ ...agent, path, timeoutMs: 5000 });
  } catch (e) {
    throw new CliFailure(`cannot reach the agent at ${agent.host}:${agent.port}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (res.status !== 200) {
    let message = res.body.slice(0, 300);
    try {
      message = (JSON.parse(res.body) as { message?: string }).message ?? message;
    } catch {
      // not JSON
    }
    throw new CliFailure(`agent ${agent.host}:${agent.port} answered ${res.status} for ${path.split('?')[0]}: ${message}`);
  }
  return JSON.parse(res.body) as T;
}

/** The one task named `id` (the newest, when finished tasks of several frameworks share it; --framework picks). */
async function findTask(opts: MasterOptions, id: string, framework: string | undefined): Promise<LegacyTask> {
  const q = new URLSearchParams({ limit: '1000000', order: 'asc', task_id: id, ...(framework !== undefined ? { framework_id: framework } : {}) });
  const tasks = (await masterGet<{ tasks: LegacyTask[] }>(opts, `/master/tasks?${q.toString()}`)).tasks;
  if (tasks.length === 0) throw new CliFailure(`no task '${id.slice(0, 255)}'${framework !== undefined ? ` in framework ${framework.slice(0, 255)}` : ''}`);
  const active = tasks.filter((t) => !ended(t.state));
  if (active.length > 1) throw new CliFailure(`task id '${id}' is used by ${active.length} frameworks (${active.map((t) => t.framework_id).join(', ')}); pick one with --framework ID`);
  return active[0] ?? tasks[tasks.length - 1]!;
}

async function sandboxOf(opts: MasterOptions, task: LegacyTask): Promise<{ agent: { host: string; port: number }; directory: string }> {
  const slaves = (await masterGet<{ slaves: { id: string; pid: string }[] }>(opts, '/master/slaves')).slaves;
  const pid = slaves.find((s) => s.id === task.slave_id)?.pid;
  if (pid === undefined) throw new CliFailure(`task ${task.id} ran on agent ${task.slave_id}, which the master no longer lists: its sandbox cannot be reached`);
  const m = /@([^:]+):(\d+)$/.exec(pid);
  if (!m) throw new CliFailure(`agent ${task.slave_id} has an unreadable address '${pid.slice(0, 100)}'`);
  const agent = { host: m[1]!, port: Number(m[2]) };
  const state = await agentGet<{ frameworks: AgentFramework[]; completed_frameworks: AgentFramework[] }>(agent, '/state');
  for (const fw of [...state.frameworks, ...state.completed_frameworks]) {
    if (fw.id !== task.framework_id) continue;
    const ex = [...fw.executors, ...fw.completed_executors].find((e) => e.id === task.id);
    if (ex) return { agent, directory: ex.directory };
  }
  throw new CliFailure(`agent ${task.slave_id} no longer has the sandbox of task ${task.id} (it may have been garbage-collected)`);
}

export function registerTaskLog(task: Command, setExit: (code: number) => void): void {
  task.command('log <ID>')
    .description("print a task's stdout (or --stderr) from its sandbox, read through the agent; --follow keeps printing as it grows")
    .option('--stderr', 'stderr instead of stdout')
    .option('--follow', 'keep printing new output until the task has ended')
    .option('--lines <N>', 'only the last N lines (default: all)')
    .option('--framework <ID>', 'the task of this framework (when several share the id)')
    .option('--master <URL>', 'master to ask (default http://127.0.0.1:5050, or TSMESOS_MASTER)')
    .action((id: string, opts: MasterOptions & { stderr?: boolean; follow?: boolean; lines?: string; framework?: string }) => runCommand('task log', setExit, async () => {
      if (opts.lines !== undefined && !/^\d{1,9}$/.test(opts.lines)) throw new CliFailure(`invalid --lines '${opts.lines.slice(0, 40)}': expected a number of lines`);
      const t = await findTask(opts, id, opts.framework);
      const { agent, directory } = await sandboxOf(opts, t);
      const file = `${directory}/${opts.stderr ? 'stderr' : 'stdout'}`;
      const read = (offset: number, length?: number): Promise<{ offset: number; data: string }> =>
        agentGet(agent, `/files/read?${new URLSearchParams({ path: file, offset: String(offset), ...(length !== undefined ? { length: String(length) } : {}) }).toString()}`);
      let offset = 0;
      if (opts.lines !== undefined) {
        // Enough of the end for N lines: read back in chunks until N newlines are in hand.
        const size = (await read(-1)).offset;
        const want = Number(opts.lines);
        let start = size;
        let text = '';
        while (start > 0 && (text.match(/\n/g)?.length ?? 0) <= want) {
          const from = Math.max(0, start - CHUNK);
          text = (await read(from, start - from)).data + text;
          start = from;
        }
        const complete = text.endsWith('\n');
        const parts = (complete ? text.slice(0, -1) : text).split('\n');
        if (want > 0 && text !== '') process.stdout.write(parts.slice(-want).join('\n') + (complete ? '\n' : ''));
        offset = size;
      }
      for (;;) {
        const chunk = await read(offset, CHUNK);
        if (chunk.data.length > 0) {
          process.stdout.write(chunk.data);
          offset += Buffer.byteLength(chunk.data, 'utf8');
          continue;
        }
        if (!opts.follow) return;
        const now = await findTask(opts, t.id, t.framework_id);
        if (ended(now.state)) {
          // The last bytes may have landed after the read above.
          const last = await read(offset, CHUNK);
          if (last.data.length === 0) return;
          process.stdout.write(last.data);
          offset += Buffer.byteLength(last.data, 'utf8');
          continue;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }));
}
