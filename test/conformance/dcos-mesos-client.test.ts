import { describe, expect, it } from 'vitest';
import { request, stream } from '@dcos/mesos-client';
import { OperatorEvent, OperatorResponse } from '../../src/wire/operator.js';
import { simCluster } from '../helpers/sim-cluster.js';
import { wireProblem } from '../helpers/wire-check.js';
import { isOffers, offersOf, updateOf } from '../helpers/v1-client.js';
import { XhrOnFetch } from './xhr-on-fetch.js';

// Conformance: @dcos/mesos-client 1.0.0 (npm; DC/OS's operator API v1 client: rxjs Observables over
// XMLHttpRequest, its own RecordIO parser) reads GET_STATE and follows SUBSCRIBE on a real master
// and agent while a task is launched and runs. Node has no XMLHttpRequest: xhr-on-fetch.ts is one.

(globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = XhrOnFetch;

type Json = Record<string, unknown>;
const first = <T>(o: { subscribe(next: (v: T) => void, error?: (e: unknown) => void): { unsubscribe(): void } }): Promise<T> =>
  new Promise((resolve, reject) => {
    const s = o.subscribe((v) => {
      resolve(v);
      queueMicrotask(() => s.unsubscribe());
    }, reject);
  });

describe('@dcos/mesos-client against tsmesos', () => {
  it('GET_STATE, then SUBSCRIBE: SUBSCRIBED, TASK_ADDED, TASK_UPDATED (RUNNING) through the library', async () => {
    const c = await simCluster();
    const url = `${c.master}/api/v1`;
    const state = JSON.parse(await first(request({ type: 'GET_STATE' }, url))) as Json;
    expect(wireProblem(OperatorResponse, state)).toBeNull();
    const agents = ((state['get_state'] as Json)['get_agents'] as Json)['agents'] as Json[];
    expect(agents).toHaveLength(1);

    const events: Json[] = [];
    const sub = stream({ type: 'SUBSCRIBE' }, url).subscribe((record) => events.push(JSON.parse(record) as Json));
    try {
      const seen = (pred: (e: Json) => boolean): Promise<Json> => c.untilSettled('an operator event through the library', () => events.find(pred));
      const subscribed = await seen((e) => e['type'] === 'SUBSCRIBED');
      expect(((subscribed['subscribed'] as Json)['get_state'] as Json)['get_agents']).toEqual((state['get_state'] as Json)['get_agents']);

      const s = await c.scheduler({ name: 'dcos-watched' });
      const offer = offersOf(await s.next(isOffers))[0]!;
      const task = { name: 'd1', task_id: { value: 'd1' }, agent_id: offer.agent_id, command: { value: 'sleep 30' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }] };
      await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] } });
      for (let running = false; !running;) {
        const u = updateOf(await s.next((e) => e.type === 'UPDATE'));
        if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: offer.agent_id, task_id: u.task_id, uuid: u.uuid } });
        running = u.state === 'TASK_RUNNING';
      }
      await seen((e) => e['type'] === 'FRAMEWORK_ADDED');
      await seen((e) => e['type'] === 'TASK_ADDED');
      await seen((e) => e['type'] === 'TASK_UPDATED' && (e['task_updated'] as Json)['state'] === 'TASK_RUNNING');
      for (const e of events) expect(wireProblem(OperatorEvent, e)).toBeNull();
    } finally {
      sub.unsubscribe();
    }
  });
});
