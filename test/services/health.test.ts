// Marathon-side health on a real master + agent: an app with an HTTP health check whose instance
// the test flips. Until its first passing check the instance does not count as healthy (its start
// deployment stays open); a passing check completes the deployment; after the flip, failing
// maxConsecutiveFailures checks in a row gets the instance killed by the scheduler and replaced.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCluster } from '../helpers/in-process.js';
import { tempDir, waitFor } from '../helpers/process.js';
import { subscribeEvents } from './sse.js';

let cluster: Awaited<ReturnType<typeof inProcessCluster>> | null = null;
const dir = tempDir('tsmesos-health-app-');
const script = path.join(dir, 'flip.js');

beforeAll(async () => {
  // /health answers 503 until /ready, 200 after, and 500 for good after /sick; /probes counts the checks.
  fs.writeFileSync(script, `let ready = false, sick = false, probes = 0;
require('http').createServer((q, s) => {
  if (q.url === '/health') { probes++; s.statusCode = sick ? 500 : ready ? 200 : 503; return s.end(); }
  if (q.url === '/ready') ready = true;
  if (q.url === '/sick') sick = true;
  s.end(String(probes));
}).listen(+process.env.PORT0, '127.0.0.1');
`);
  // A port range of its own: instances of other test files' clusters listen on loopback too.
  cluster = await inProcessCluster({ resources: 'cpus:2;mem:1024;disk:1024;ports:[31200-31210]' });
});
afterAll(() => cluster?.stop());

interface HealthResult { alive: boolean; consecutiveFailures: number; lastFailureCause: string | null }
interface TaskJson { id: string; state: string; ports: number[]; healthCheckResults: HealthResult[] }
interface AppJson { tasksHealthy: number; tasksUnhealthy: number; tasksRunning: number; deployments: { id: string }[]; tasks: TaskJson[]; lastTaskFailure?: { taskId: string; state: string } }

const appUrl = (): string => `${cluster!.master}/v2/apps/health/flip`;
const getApp = async (): Promise<AppJson> => ((await (await fetch(appUrl())).json()) as { app: AppJson }).app;
const poke = async (task: TaskJson, what: string): Promise<string> => (await fetch(`http://127.0.0.1:${task.ports[0]}/${what}`)).text();

describe('health checks drive deployments and replacement', () => {
  it('an unreported instance is not healthy; a passing check finishes the deployment; failing checks get it killed and replaced', async () => {
    const events = await subscribeEvents(cluster!.master);
    const created = await fetch(`${cluster!.master}/v2/apps`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        id: '/health/flip', cpus: 0.05, mem: 32, backoffSeconds: 1, cmd: `exec ${process.execPath} ${script}`,
        // The long grace period hides the failures before /ready: nothing is reported until the first pass.
        healthChecks: [{ protocol: 'HTTP', path: '/health', portIndex: 0, gracePeriodSeconds: 3600, intervalSeconds: 1, timeoutSeconds: 2, delaySeconds: 0, maxConsecutiveFailures: 2 }],
      }),
    });
    expect(created.status).toBe(201);
    const deploymentId = created.headers.get('marathon-deployment-id');

    const first = await waitFor('the instance running', async () => (await getApp()).tasks.find((t) => t.state === 'TASK_RUNNING'), 30_000, 100);
    // The agent has probed (and failed, inside the grace period) twice: the scheduler has seen the instance run for a while.
    await waitFor('two probes', async () => (Number(await poke(first, 'probes').catch(() => '0')) >= 2 ? true : undefined), 30_000, 100);
    const waiting = await getApp();
    expect(waiting.tasksRunning).toBe(1);
    expect(waiting.tasksHealthy).toBe(0);
    expect(waiting.tasks[0]!.healthCheckResults).toEqual([]);
    expect(waiting.deployments.map((d) => d.id)).toEqual([deploymentId]);

    await poke(first, 'ready');
    const healthy = await waitFor('healthy and deployed', async () => {
      const a = await getApp();
      return a.tasksHealthy === 1 && a.deployments.length === 0 ? a : undefined;
    }, 30_000, 100);
    expect(healthy.tasks[0]!.healthCheckResults[0]).toMatchObject({ alive: true, consecutiveFailures: 0 });
    expect(events.events.some((e) => e.eventType === 'deployment_success' && e['id'] === deploymentId)).toBe(true);

    await poke(first, 'sick');
    const replaced = await waitFor('a replacement running', async () => {
      const a = await getApp();
      return a.tasks.length === 1 && a.tasks[0]!.id !== first.id && a.tasks[0]!.state === 'TASK_RUNNING' ? a : undefined;
    }, 60_000, 100);
    expect(replaced.lastTaskFailure).toMatchObject({ taskId: first.id, state: 'TASK_KILLED' });
    // The scheduler itself decided the kill (the agent kills at the same count).
    const kill = events.events.find((e) => e.eventType === 'unhealthy_instance_kill_event');
    expect(kill).toMatchObject({ appId: '/health/flip', taskId: first.id });
    const changes = events.events.filter((e) => e.eventType === 'health_status_changed_event' && e['taskId'] === first.id).map((e) => e['alive']);
    expect(changes).toEqual([true, false]);
    // The replacement starts over: not healthy until its own first pass.
    expect(replaced.tasksHealthy).toBe(0);
    events.close();
    expect((await fetch(`${appUrl()}?force=true`, { method: 'DELETE' })).status).toBe(200);
    await waitFor('no tasks', async () => (((await (await fetch(`${cluster!.master}/v2/tasks`)).json()) as { tasks: unknown[] }).tasks.length === 0 ? true : undefined), 30_000, 100);
  });
});
