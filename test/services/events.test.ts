// /v2/events (Server-Sent Events) on a real master + agent: deployment and status events of one
// app arrive in order; event_type filters; malformed filters are a 400.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCluster } from '../helpers/in-process.js';
import { waitFor } from '../helpers/process.js';
import { subscribeEvents } from './sse.js';

let cluster: Awaited<ReturnType<typeof inProcessCluster>> | null = null;
beforeAll(async () => {
  cluster = await inProcessCluster();
});
afterAll(() => cluster?.stop());

const subscribe = (query = ''): ReturnType<typeof subscribeEvents> => subscribeEvents(cluster!.master, query);

const post = (path: string, method: string, body?: unknown): Promise<Response> =>
  fetch(`${cluster!.master}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}) });

describe('/v2/events', () => {
  it('delivers api, deployment and status events of one app in order', async () => {
    const all = await subscribe();
    const onlyDone = await subscribe('?event_type=deployment_success&event_type=app_terminated_event');
    await waitFor('attached', () => (all.events.some((e) => e.eventType === 'event_stream_attached') ? true : undefined));

    const created = await post('/v2/apps', 'POST', { id: '/events/web', cmd: 'exec sleep 1000', cpus: 0.05, mem: 8 });
    expect(created.status).toBe(201);
    const startId = created.headers.get('marathon-deployment-id');
    await waitFor('the start deployment to succeed', () => (all.events.some((e) => e.eventType === 'deployment_success' && e['id'] === startId) ? true : undefined), 30_000);
    const deleted = await post('/v2/apps/events/web', 'DELETE');
    const stopId = ((await deleted.json()) as { deploymentId: string }).deploymentId;
    await waitFor('the app to terminate', () => (all.events.some((e) => e.eventType === 'app_terminated_event') ? true : undefined), 30_000);

    const mine = all.events.filter((e) => e['appId'] === '/events/web' || (e['plan'] as { affectedApps?: string[] } | undefined)?.affectedApps?.includes('/events/web') || e['uri'] === '/v2/apps/events/web');
    const summary = mine.map((e) => (e.eventType === 'status_update_event' ? `status:${String(e['taskStatus'])}` : e.eventType));
    // Collapse the task's intermediate states: what matters is their order around the deployments.
    const start = summary.indexOf('deployment_info');
    const running = summary.indexOf('status:TASK_RUNNING');
    const firstSuccess = summary.indexOf('deployment_success');
    expect(summary[0]).toBe('api_post_event');
    expect(start).toBeGreaterThan(0);
    expect(running).toBeGreaterThan(start);
    expect(firstSuccess).toBeGreaterThan(running);
    const stopInfo = summary.indexOf('deployment_info', firstSuccess);
    const killed = summary.indexOf('status:TASK_KILLED');
    const lastSuccess = summary.lastIndexOf('deployment_success');
    expect(stopInfo).toBeGreaterThan(firstSuccess);
    expect(killed).toBeGreaterThan(stopInfo);
    expect(lastSuccess).toBeGreaterThan(killed);
    expect(summary.at(-1)).toBe('app_terminated_event');
    expect(mine.find((e) => e.eventType === 'deployment_success' && e['id'] === stopId)).toBeDefined();
    const status = mine.find((e) => e.eventType === 'status_update_event')!;
    expect(Object.keys(status).sort()).toEqual(['appId', 'eventType', 'host', 'ipAddresses', 'message', 'ports', 'slaveId', 'taskId', 'taskStatus', 'timestamp', 'version']);

    // Each SSE block's `event:` names its data's eventType.
    expect(all.mislabelled).toEqual([]);
    // The filtered stream got only what it asked for.
    expect(new Set(onlyDone.events.map((e) => e.eventType))).toEqual(new Set(['deployment_success', 'app_terminated_event']));
    all.close();
    onlyDone.close();
  });

  it('refuses malformed filters', async () => {
    const r = await fetch(`${cluster!.master}/v2/events?event_type=${encodeURIComponent('<script>')}`);
    expect(r.status).toBe(400);
    expect(typeof ((await r.json()) as { message: unknown }).message).toBe('string');
  });
});
