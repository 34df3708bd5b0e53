// The v1 scheduler client over its HTTP transport against a real master + agent: subscribe,
// launch from an offer, acknowledge, reconcile, kill, suppress/revive, decline, teardown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchedulerCallError, SchedulerClient } from '../../src/scheduler-client/client.js';
import { httpTransport } from '../../src/scheduler-client/transport.js';
import { HttpClient } from '../../src/lib/http-client.js';
import { systemClock } from '../../src/lib/clock.js';
import { systemRng } from '../../src/lib/rng.js';
import { silentLogger } from '../../src/lib/log.js';
import type { Event } from '../../src/wire/scheduler.js';
import { inProcessCluster } from '../helpers/in-process.js';

let cluster: Awaited<ReturnType<typeof inProcessCluster>> | null = null;
beforeAll(async () => {
  cluster = await inProcessCluster();
});
afterAll(() => cluster?.stop());

function client(): { c: SchedulerClient; events: Event[]; next: (pred: (e: Event) => boolean) => Promise<Event> } {
  const events: Event[] = [];
  const waiters: (() => void)[] = [];
  const url = new URL(cluster!.master);
  const c = new SchedulerClient({
    transport: httpTransport(new HttpClient(), { host: url.hostname, port: Number(url.port) }),
    clock: systemClock, rng: systemRng, logger: silentLogger,
    frameworkInfo: () => ({ user: 'test', name: 'client-test', roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' }] }) as never,
    onEvent: (e) => {
      events.push(e);
      for (const w of waiters.splice(0)) w();
    },
  });
  const next = async (pred: (e: Event) => boolean): Promise<Event> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const i = events.findIndex(pred);
      if (i >= 0) return events.splice(i, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no matching event; seen ${events.map((e) => e.type).join(',')}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  };
  return { c, events, next };
}

const stateOf = (taskId: string, state: string) => (e: Event): boolean => e.type === 'UPDATE' && e.update?.status.task_id.value === taskId && e.update.status.state === state;

describe('SchedulerClient over HTTP', () => {
  it('refuses calls before it is subscribed', async () => {
    const { c } = client();
    await expect(c.revive()).rejects.toBeInstanceOf(SchedulerCallError);
  });

  it('runs a task through the whole protocol', async () => {
    const { c, next } = client();
    c.start();
    try {
      const subscribed = await next((e) => e.type === 'SUBSCRIBED');
      const fwId = subscribed.subscribed!.framework_id.value;
      expect(c.id).toBe(fwId);
      const offers = await next((e) => e.type === 'OFFERS');
      const offer = offers.offers!.offers[0]!;
      await c.accept([offer.id.value], [{
        type: 'LAUNCH',
        launch: {
          task_infos: [{
            name: 't', task_id: { value: 'client-t1' }, agent_id: offer.agent_id, command: { shell: true, value: 'sleep 1000', arguments: [], uris: [] },
            resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, reservations: [] }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 }, reservations: [] }],
          }],
        },
      }]);
      // Each update waits for the acknowledgement of the one before.
      for (const state of ['TASK_STARTING', 'TASK_RUNNING']) {
        const u = await next(stateOf('client-t1', state));
        await c.acknowledge(u.update!.status);
      }
      await c.reconcile([{ taskId: 'client-t1', agentId: offer.agent_id.value }]);
      const reconciled = await next(stateOf('client-t1', 'TASK_RUNNING'));
      expect(reconciled.update?.status.reason).toBe('REASON_RECONCILIATION');
      await c.suppress();
      await c.revive();
      const more = await next((e) => e.type === 'OFFERS');
      await c.decline(more.offers!.offers.map((o) => o.id.value), 1);
      await c.kill('client-t1', offer.agent_id.value, 1);
      const killed = await next((e) => e.type === 'UPDATE' && e.update?.status.task_id.value === 'client-t1' && ['TASK_KILLING', 'TASK_KILLED'].includes(e.update.status.state));
      await c.acknowledge(killed.update!.status);
      // A malformed call is the master's 400, surfaced with its status.
      const err = await c.acknowledge({ task_id: { value: 'client-t1' }, agent_id: offer.agent_id, uuid: 'not-a-uuid' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SchedulerCallError);
      expect((err as SchedulerCallError).status).toBe(400);
      await c.teardown();
      const res = await fetch(`${cluster!.master}/master/state`);
      const state = (await res.json()) as { completed_frameworks: { id: string }[] };
      expect(state.completed_frameworks.map((f) => f.id)).toContain(fwId);
    } finally {
      c.stop();
    }
  });
});
