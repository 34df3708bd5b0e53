import { afterAll, describe, expect, it } from 'vitest';
import { resolveUpConfig } from '../../src/cli/up-config.js';
import { startAll } from '../../src/roles/all.js';
import { startMaster, type RunningRole } from '../../src/roles/master.js';
import { startAgent } from '../../src/roles/agent.js';
import { silentLogger } from '../../src/lib/log.js';
import { freePort, getJson, tempDir, waitFor } from '../helpers/process.js';
import { V1Scheduler, updateOf } from '../helpers/v1-client.js';

// After a master (re)start, agents known to the registry are `recovered`; those that do not
// reregister within --agent-reregister-timeout are marked unreachable in the registry, and
// come back (reachable again) when they do reregister. Real SQLite, real HTTP, in process.

interface State { slaves: { id: string; active: boolean }[]; recovered_slaves: { id: string }[]; unreachable_slaves: number }

describe('agent reregistration timeout', () => {
  const running: RunningRole[] = [];
  afterAll(async () => {
    for (const r of running.reverse()) await r.stop().catch(() => undefined);
  });

  it('marks a straggler unreachable, answers reconciliation with TASK_UNREACHABLE, and readmits it', async () => {
    const dataDir = tempDir();
    const port = String(await freePort());
    const agentPort = String(await freePort());
    const flags = { role: 'all', dataDir, port, agentPort, resources: 'cpus:1;mem:256;disk:100', agentReregisterTimeout: '1secs' };
    const master = `http://127.0.0.1:${port}`;
    const first = await startAll(resolveUpConfig(flags, {}), silentLogger);
    const agentId = await waitFor('agent registration', async () => ((await getJson(`${master}/master/state`)).body as State).slaves[0]?.id);
    await first.stop();

    // The master comes back alone: the agent is recovered, then unreachable after 1 s.
    running.push(await startMaster(resolveUpConfig({ role: 'master', dataDir, port, agentReregisterTimeout: '1secs' }, {}), silentLogger));
    const recovered = (await getJson(`${master}/master/state`)).body as State;
    expect(recovered.recovered_slaves.map((a) => a.id)).toEqual([agentId]);
    await waitFor('the straggler to be marked unreachable', async () => {
      const s = (await getJson(`${master}/master/state`)).body as State;
      return s.unreachable_slaves === 1 && s.recovered_slaves.length === 0 ? true : undefined;
    }, 10_000);

    const fw = new V1Scheduler(master);
    await fw.subscribe({ user: 'u', name: 'rec', capabilities: [{ type: 'PARTITION_AWARE' }] });
    await fw.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'lost-task' }, agent_id: { value: agentId } }] } });
    const e = await fw.next((x) => x.type === 'UPDATE');
    const st = updateOf(e) as ReturnType<typeof updateOf> & { unreachable_time?: { nanoseconds: number } };
    expect(st.state).toBe('TASK_UNREACHABLE');
    expect(st.unreachable_time?.nanoseconds).toBeGreaterThan(0);

    // The agent returns under its id: reachable again, active.
    running.push(await startAgent(resolveUpConfig({ role: 'agent', dataDir, port: agentPort, master: `127.0.0.1:${port}`, resources: 'cpus:1;mem:256;disk:100' }, {}), silentLogger));
    await waitFor('the agent to be readmitted', async () => {
      const s = (await getJson(`${master}/master/state`)).body as State;
      return s.unreachable_slaves === 0 && s.slaves.some((a) => a.id === agentId && a.active) ? true : undefined;
    }, 15_000);
    fw.close();
  });
});
