import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../helpers/cli-capture.js';
import { simCluster, type SimCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, updateOf, type V1Scheduler } from '../helpers/v1-client.js';

// `tsmesos task|agent|framework` run in this process (runCli) against a real master and agent
// over loopback HTTP: human tables, --json, exit codes.

const cli = runCliCaptured;

async function runTask(c: SimCluster, s: V1Scheduler, id: string): Promise<string> {
  const offer = offersOf(await s.next(isOffers))[0]!;
  const agentId = offer.agent_id.value;
  const task = { name: `n-${id}`, task_id: { value: id }, agent_id: { value: agentId }, command: { value: 'sleep 30' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }] };
  await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] } });
  for (;;) {
    const u = updateOf(await s.next((e) => e.type === 'UPDATE'));
    if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agentId }, task_id: u.task_id, uuid: u.uuid } });
    if (u.state === 'TASK_RUNNING') return agentId;
    await c.settle();
  }
}

describe('tsmesos task / agent / framework', () => {
  it('ls as tables and JSON, filters, task kill explains itself, framework teardown', async () => {
    const c = await simCluster();
    const m = ['--master', c.master];
    const s = await c.scheduler({ name: 'clifw' });
    const agentId = await runTask(c, s, 'cli-1');

    const tasks = await cli(['task', 'ls', ...m]);
    expect(tasks.code).toBe(0);
    expect(tasks.out.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATE\s+FRAMEWORK\s+AGENT$/);
    expect(tasks.out).toMatch(new RegExp(`^cli-1\\s+n-cli-1\\s+TASK_RUNNING\\s+${s.frameworkId}\\s+${agentId}$`, 'm'));
    const json = JSON.parse((await cli(['task', 'ls', '--json', '--state', 'running', '--framework', s.frameworkId, ...m])).out) as { tasks: { id: string }[] };
    expect(json.tasks.map((t) => t.id)).toEqual(['cli-1']);
    expect(JSON.parse((await cli(['task', 'ls', '--json', '--state', 'TASK_FINISHED', ...m])).out)).toEqual({ tasks: [] });
    expect((await cli(['task', 'ls', '--state', 'napping', ...m])).code).toBe(2);

    const agents = await cli(['agent', 'ls', ...m]);
    expect(agents.out).toMatch(new RegExp(`^${agentId}\\s+\\S+\\s+active\\s+0.1/2\\s+0/1024\\s+0/1024$`, 'm'));
    expect((JSON.parse((await cli(['agent', 'ls', '--json', ...m])).out) as { slaves: { id: string }[] }).slaves.map((a) => a.id)).toEqual([agentId]);

    const fws = await cli(['framework', 'ls', ...m]);
    expect(fws.out).toMatch(new RegExp(`^${s.frameworkId}\\s+clifw\\s+active\\s+\\*\\s+1$`, 'm'));

    const kill = await cli(['task', 'kill', 'cli-1', ...m]);
    expect(kill.code).toBe(1);
    expect(kill.err).toMatch(/operator API cannot kill one task.*--teardown-framework/);
    expect((await cli(['task', 'kill', 'nope', ...m])).err).toMatch(/no active task 'nope'/);
    const killed = await cli(['task', 'kill', 'cli-1', '--teardown-framework', ...m]);
    expect([killed.code, killed.out]).toEqual([0, `framework ${s.frameworkId} torn down; its tasks, cli-1 included, are being killed\n`]);
    const all = await cli(['framework', 'ls', '--all', ...m]);
    expect(all.out).toMatch(new RegExp(`^${s.frameworkId}\\s+clifw\\s+completed`, 'm'));
    const again = await cli(['framework', 'teardown', s.frameworkId, ...m]);
    expect([again.code, again.err]).toEqual([1, `tsmesos framework teardown: master answered 400: No framework found with specified ID ${s.frameworkId}\n`]);
  });

  it('agent drain|reactivate|deactivate|gone: operator calls, one line each; the master\'s refusals are exit 1', async () => {
    const c = await simCluster();
    const m = ['--master', c.master];
    const s = await c.scheduler({ name: 'drainfw' });
    const agentId = await runTask(c, s, 'drain-1');
    expect(await cli(['agent', 'drain', agentId, '--max-grace-period', '2', ...m])).toEqual({ code: 0, out: `agent ${agentId} draining\n`, err: '' });
    const killed = updateOf(await s.next((e) => e.type === 'UPDATE' && updateOf(e).state === 'TASK_KILLED', 20_000));
    await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agentId }, task_id: killed.task_id, uuid: killed.uuid } });
    for (let i = 0; i < 100 && !(await cli(['agent', 'ls', ...m])).out.includes('drained'); i++) await c.settle();
    expect((await cli(['agent', 'ls', ...m])).out).toMatch(new RegExp(`^${agentId}\\s+\\S+\\s+drained\\s`, 'm'));
    expect(await cli(['agent', 'reactivate', agentId, ...m])).toEqual({ code: 0, out: `agent ${agentId} reactivated\n`, err: '' });
    expect((await cli(['agent', 'reactivate', agentId, ...m])).err).toBe('tsmesos agent reactivate: master answered 400: Agent is not deactivated\n');
    expect((await cli(['agent', 'deactivate', agentId, ...m])).code).toBe(0);
    expect((await cli(['agent', 'ls', ...m])).out).toMatch(new RegExp(`^${agentId}\\s+\\S+\\s+deactivated\\s`, 'm'));
    expect((await cli(['agent', 'drain', agentId, '--max-grace-period', '1h', ...m])).err).toBe("tsmesos agent drain: invalid --max-grace-period '1h': expected seconds, e.g. 30 or 2.5\n");
    expect((await cli(['agent', 'drain', 'no-such', ...m])).err).toBe('tsmesos agent drain: master answered 400: Unknown agent\n');
    expect(await cli(['agent', 'gone', agentId, ...m])).toEqual({ code: 0, out: `agent ${agentId} marked gone\n`, err: '' });
    expect((JSON.parse((await cli(['agent', 'ls', '--json', ...m])).out) as { slaves: unknown[] }).slaves).toEqual([]);
  });

  it('an unreachable master is exit 1 with one line naming it', async () => {
    const r = await cli(['agent', 'ls', '--master', 'http://127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^tsmesos agent ls: cannot reach the master at 127\.0\.0\.1:1: /);
  });
});
