import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { freePort, getJson, startAllInOne, tempDir, tsmesos, waitFor, type Proc } from '../helpers/process.js';
import { cli } from '../helpers/masters.js';
import { V1Scheduler, isOffers, offersOf, updateOf } from '../helpers/v1-client.js';
import { expectAccessible, launchBrowser, screenshot, watchErrors } from './browser.js';
import { syntheticState } from './scale-state.js';

// The web UI in Debian's Chromium against a real `up --role all` node (the built executable, or
// the source with TSMESOS_TEST_FROM_SOURCE=1): every page renders live data, has a deep link,
// passes axe-core with no serious/critical violation, and is saved as a screenshot.

// The machine is shared (two cores, other test files beside this one): wait generously for the page.
const SLOW = { timeout: 15_000 };

describe('web UI', () => {
  let cluster: Awaited<ReturnType<typeof startAllInOne>>;
  const clusterDir = tempDir();
  let browser: BrowserContext;
  let page: Page;
  let errors: string[];
  const s = { sched: null as V1Scheduler | null };
  let agentId = '';

  // A setup failure (no Chromium, a node that does not start) fails every test with its
  // message; a failing beforeAll would only mark them skipped.
  let setupError: Error | null = null;
  beforeAll(async () => {
    try {
      // Both settle before a failure is raised: a cluster still starting when the browser fails
      // would otherwise finish after the file's cleanup and leave its processes and data dir behind.
      const [c, b] = await Promise.allSettled([startAllInOne(clusterDir), launchBrowser()]);
      if (c.status === 'fulfilled') cluster = c.value;
      if (b.status === 'fulfilled') browser = b.value;
      if (c.status === 'rejected') throw c.reason;
      if (b.status === 'rejected') throw b.reason;
      page = await browser.newPage();
      errors = watchErrors(page);
    } catch (e) {
      setupError = e instanceof Error ? e : new Error(String(e));
    }
  });
  beforeEach(() => {
    if (setupError !== null) throw setupError;
  });
  afterAll(() => {
    s.sched?.close();
  });

  const visit = async (hash: string): Promise<void> => {
    await page.goto(`${cluster.master}/${hash}`);
  };

  it('serves index.html and hashed assets with their types and cache headers; an agent redirects to its page', async () => {
    const index = await fetch(`${cluster.master}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const js = /src="(\/ui\/app-[0-9a-f]{12}\.js)"/.exec(html)?.[1];
    const css = /href="(\/ui\/app-[0-9a-f]{12}\.css)"/.exec(html)?.[1];
    expect(js && css, html).toBeTruthy();
    for (const [asset, type] of [[js!, 'text/javascript; charset=utf-8'], [css!, 'text/css; charset=utf-8']] as const) {
      const r = await fetch(`${cluster.master}${asset}`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(type);
      expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await r.text()).length).toBeGreaterThan(100);
    }
    expect((await fetch(`${cluster.master}/ui/app-000000000000.js`)).status).toBe(404);

    const state = (await (await fetch(`${cluster.master}/master/state`)).json()) as { slaves: { id: string }[] };
    agentId = state.slaves[0]!.id;
    const r = await fetch(`${cluster.agent}/`, { redirect: 'manual' });
    expect(r.status).toBe(307);
    expect(r.headers.get('location')).toBe(`//127.0.0.1:${cluster.masterPort}/#/agents/${agentId}`);
  });

  it('overview: the leader, the master with its Raft role, the agent and resources; loads in under a second', async () => {
    const t0 = Date.now();
    await visit('');
    await expect.poll(() => page.getByTestId('leader').textContent(), SLOW).toBe(`master@127.0.0.1:${cluster.masterPort}`);
    const firstData = Date.now() - t0;
    const nav = await page.evaluate(() => {
      // In the page: its Navigation Timing entry.
      const perf = (globalThis as unknown as { performance: { getEntriesByType(t: string): { domContentLoadedEventEnd: number; loadEventEnd: number }[] } }).performance;
      const n = perf.getEntriesByType('navigation')[0]!;
      return { domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd };
    });
    process.stdout.write(`web UI overview: DOMContentLoaded ${Math.round(nav.domContentLoaded)} ms, load ${Math.round(nav.load)} ms, first cluster data on screen ${firstData} ms\n`);
    expect(nav.load).toBeLessThan(1000);
    await expect.poll(() => page.getByTestId('raft-role').first().textContent(), SLOW).toBe('leader');
    expect(await page.getByTestId('agents-up').textContent()).toBe('1');
    await expect.poll(() => page.locator('main').textContent(), SLOW).toContain(agentId);
    // The usage chart draws from the second poll on (2 s apart).
    await page.getByRole('img', { name: /^In use over the last/ }).waitFor({ timeout: 10_000 });
    await screenshot(page, 'overview');
    await expectAccessible(page, 'overview');
    // Keyboard: the first Tab reaches "Skip to content", which moves focus to the page's content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id)).toBe('main');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'overview-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('a task launched through the scheduler API shows in Tasks, and its stdout in the task page', async () => {
    const sched = new V1Scheduler(cluster.master);
    s.sched = sched;
    expect((await sched.subscribe({ user: 'root', name: 'ui-test' })).type).toBe('SUBSCRIBED');
    const offer = offersOf(await sched.next((e) => e.type === 'OFFERS'))[0]!;
    const accept = await sched.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [{
          name: 'ui-hello', task_id: { value: 'ui-hello-1' }, agent_id: offer.agent_id,
          command: { shell: true, value: 'echo "hello from the ui test"; echo "to stderr" >&2; sleep 300' },
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }],
        }] } }],
      },
    });
    expect(accept.status).toBe(202);
    for (;;) {
      const st = updateOf(await sched.next((e) => e.type === 'UPDATE'));
      await sched.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: st.agent_id, task_id: st.task_id, uuid: st.uuid } });
      if (st.state === 'TASK_RUNNING') break;
      expect(st.state).toBe('TASK_STARTING');
    }

    await visit('#/tasks');
    const link = page.getByRole('link', { name: 'ui-hello-1' });
    await link.waitFor();
    await screenshot(page, 'tasks');
    await expectAccessible(page, 'tasks');
    await page.getByLabel('State').selectOption('TASK_RUNNING');
    expect(page.url()).toContain('state=TASK_RUNNING');
    await link.click();
    expect(page.url()).toContain(`#/tasks/${sched.frameworkId}/ui-hello-1`);
    await expect.poll(() => page.getByTestId('task-state').textContent(), SLOW).toBe('running');
    const files = page.getByRole('navigation', { name: 'Sandbox files' });
    await files.getByRole('link', { name: 'stdout', exact: true }).click();
    await expect.poll(() => page.getByTestId('log').textContent(), SLOW).toContain('hello from the ui test');
    await screenshot(page, 'task-stdout');
    const download = await page.getByRole('link', { name: 'download' }).getAttribute('href');
    const saved = await fetch(download!);
    expect(saved.headers.get('content-disposition')).toContain("filename*=UTF-8''stdout");
    expect(await saved.text()).toBe('hello from the ui test\n');
    await expectAccessible(page, 'task stdout');
    await files.getByRole('link', { name: 'stderr', exact: true }).click();
    await expect.poll(() => page.getByTestId('log').textContent(), SLOW).toContain('to stderr');
    await files.getByRole('link', { name: /^browse/ }).click();
    await page.getByRole('table', { name: 'Files in /' }).getByRole('link', { name: 'stdout' }).waitFor();
    await screenshot(page, 'task-sandbox');
    await expectAccessible(page, 'task sandbox');
  });

  it('the leader\'s pages follow the operator event stream: the header says live, the overview lists what happens', async () => {
    const sched = s.sched!;
    await visit('');
    await page.locator('.live[data-stream="open"]').waitFor(SLOW);
    // REVIVE clears the 5 s filter the previous ACCEPT left on the agent's other resources: an offer now.
    await sched.call({ type: 'REVIVE' });
    const offer = offersOf(await sched.next((e) => e.type === 'OFFERS', 30_000))[0]!;
    await sched.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [{
      name: 'ui-live', task_id: { value: 'ui-live-1' }, agent_id: offer.agent_id, command: { value: 'sleep 300' },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }],
    }] } }] } });
    await expect.poll(() => page.locator('ul.events').textContent(), { timeout: 30_000 }).toContain('task ui-live-1');
    await expectAccessible(page, 'overview with events');
  });

  it('agents, frameworks and their detail pages; later pages say what they wait for', async () => {
    await visit('#/agents');
    await expect.poll(() => page.getByRole('table', { name: 'Agents' }).getByRole('link', { name: '2', exact: true }).count(), SLOW).toBe(1); // ui-hello-1 and ui-live-1
    await screenshot(page, 'agents');
    await expectAccessible(page, 'agents');

    // The agent's own port sends a browser to its page on the leading master's UI.
    await page.goto(`${cluster.agent}/`);
    expect(page.url()).toBe(`${cluster.master}/#/agents/${agentId}`);
    await page.getByRole('link', { name: 'ui-hello-1' }).waitFor();
    expect(await page.title()).toBe(`${agentId} - Agents - tsmesos`);
    await screenshot(page, 'agent');
    await expectAccessible(page, 'agent');

    await visit('#/frameworks');
    await page.getByRole('link', { name: 'ui-test' }).click();
    await page.getByRole('link', { name: 'ui-hello-1' }).waitFor();
    expect(page.url()).toContain(`#/frameworks/${s.sched!.frameworkId}`);
    await screenshot(page, 'framework');
    await expectAccessible(page, 'framework');
    await visit('#/frameworks');
    await page.getByRole('link', { name: 'ui-test' }).waitFor();
    await screenshot(page, 'frameworks');
    await expectAccessible(page, 'frameworks');

    await visit('#/jobs');
    await expect.poll(() => page.locator('.note').textContent(), SLOW).toContain('Not available yet');
    await screenshot(page, 'jobs');
    await expectAccessible(page, 'jobs');
    // The Cluster page asks for the admin credential first (test/ui/cluster-ui.test.ts signs in).
    await visit('#/cluster');
    await page.getByRole('form', { name: 'Sign in' }).waitFor(SLOW);
    expect(await page.locator('.note').textContent()).toContain('admin credential');
    await expectAccessible(page, 'cluster (signed out)');
    await visit('#/no/such/page');
    await expect.poll(() => page.getByRole('alert').textContent(), SLOW).toContain('There is no page at #/no/such/page');
  });

  it('operator actions from the agent page: deactivate (confirmed) stops offers, reactivate brings them back, drain kills the tasks', async () => {
    page.once('dialog', (d) => void d.accept());
    await visit(`#/agents/${agentId}`);
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(async () => ((await (await fetch(`${cluster.master}/master/slaves`)).json()) as { slaves: { deactivated: boolean }[] }).slaves[0]?.deactivated, SLOW).toBe(true);
    await expect.poll(() => page.locator('main').textContent(), SLOW).toContain('deactivated (no offers)');
    await expectAccessible(page, 'agent deactivated');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await expect.poll(async () => ((await (await fetch(`${cluster.master}/master/slaves`)).json()) as { slaves: { deactivated: boolean }[] }).slaves[0]?.deactivated, SLOW).toBe(false);
    // A refused confirmation does nothing.
    page.once('dialog', (d) => void d.dismiss());
    await page.getByRole('button', { name: 'Deactivate' }).click();
    expect(((await (await fetch(`${cluster.master}/master/slaves`)).json()) as { slaves: { deactivated: boolean }[] }).slaves[0]?.deactivated).toBe(false);

    // Drain: its tasks are killed, the page shows it drained; Reactivate brings it back.
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Drain' }).click();
    await expect.poll(() => page.locator('main').textContent(), { timeout: 30_000 }).toContain('drained (no offers, no tasks)');
    expect(await page.getByRole('button', { name: 'Drain' }).count()).toBe(0);
    await expectAccessible(page, 'agent drained');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await expect.poll(async () => ((await (await fetch(`${cluster.master}/master/slaves`)).json()) as { slaves: { deactivated: boolean; drain_info?: unknown }[] }).slaves[0], SLOW).toMatchObject({ deactivated: false });
    await expect.poll(() => page.getByRole('button', { name: 'Drain' }).count(), SLOW).toBe(1);
  });

  it('services: an app of the built-in Marathon-compatible scheduler is created from the form (errors by field), its stdout read, listed, scaled, suspended, and deleted', async () => {
    // The test's own framework sits on its offers: it gives them back, so the services scheduler gets the agent.
    const sched = s.sched!;
    await sched.call({ type: 'SUPPRESS' });
    const held = sched.takeAll(isOffers).flatMap((e) => offersOf(e)).map((o) => o.id);
    if (held.length > 0) await sched.call({ type: 'DECLINE', decline: { offer_ids: held, filters: { refuse_seconds: 3600 } } });
    // Created from the form: a bad field is refused by the scheduler, its error shown next to the field.
    await visit('#/services');
    const form = page.getByRole('form', { name: 'Create an app', exact: true });
    await form.getByLabel('Id', { exact: true }).fill('/ui/web');
    await form.getByLabel('Command', { exact: true }).fill('echo "a line from the app"; sleep 300');
    await form.getByLabel('Memory (MB)').fill('16');
    await form.getByLabel('CPUs').fill('-1');
    await form.getByRole('button', { name: 'Create', exact: true }).click();
    await expect.poll(() => form.getByLabel('CPUs').getAttribute('aria-invalid'), SLOW).toBe('true');
    expect(await page.locator('#err-cpus').textContent()).toContain('0.001');
    expect(await page.getByRole('alert').first().textContent()).toContain('422 Object is not valid');
    await expectAccessible(page, 'services form with an error');
    // A pasted definition: not JSON, then a field the scheduler does not know; both said as such.
    await page.getByText('Or paste an app definition').click();
    const pasted = page.getByRole('form', { name: 'Create an app from JSON' });
    await pasted.getByLabel('App definition').fill('{"id": "/ui/bad",');
    await pasted.getByRole('button', { name: 'Create from JSON' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent(), SLOW).toContain('The definition is not JSON');
    await pasted.getByLabel('App definition').fill('{"id": "/ui/bad", "cmd": "sleep 1", "nope": 1}');
    await pasted.getByRole('button', { name: 'Create from JSON' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent(), SLOW).toContain('unknown field(s): nope');
    expect((await fetch(`${cluster.master}/v2/apps/ui/bad`)).status).toBe(404);
    // The browser logs each refused POST (the two 422s): those and nothing else; later checks start clean.
    expect(errors.map((e) => /status of 422/.test(e))).toEqual([true, true]);
    errors.length = 0;
    await form.getByLabel('CPUs').fill('0.1');
    await form.getByLabel('Health check command').fill('true');
    await form.getByRole('button', { name: 'Create', exact: true }).click();
    await expect.poll(() => page.url(), SLOW).toContain('#/services/ui/web');
    // Its instance becomes healthy (the COMMAND check of the form).
    await expect.poll(() => page.getByTestId('task-health').first().textContent(), { timeout: 30_000 }).toMatch(/^healthy/);
    // The overview's recent events list the services scheduler's (its /v2/events stream): the deployment, the health change.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click(); // same page, no reload
    await expect.poll(() => page.locator('ul.events').textContent(), SLOW).toMatch(/deployment success: deployment \S+ of \/ui\/web/);
    expect(await page.locator('ul.events').textContent()).toMatch(/health status changed: \/ui\/web \S+ healthy/);
    await page.goBack();
    await page.getByRole('table', { name: 'Tasks of /ui/web' }).getByRole('link').first().waitFor(SLOW);
    // A deployment that cannot finish (more CPUs than the agent has) is listed with its progress; Roll back undoes it.
    await expect.poll(() => page.locator('main').textContent(), { timeout: 30_000 }).toContain('No deployment in progress.'); // the create's, done once healthy
    const put = await fetch(`${cluster.master}/v2/apps/ui/web`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ cpus: 64 }) });
    expect(put.status).toBe(200);
    const { deploymentId } = (await put.json()) as { deploymentId: string };
    const deployments = page.getByRole('table', { name: 'Deployments of /ui/web' });
    await expect.poll(() => deployments.textContent(), SLOW).toContain(deploymentId);
    expect(await deployments.textContent()).toContain('step 1 of 1');
    await screenshot(page, 'service-deployment');
    page.once('dialog', (d) => void d.accept());
    await deployments.getByRole('button', { name: 'Roll back' }).click();
    await expect.poll(async () => ((await (await fetch(`${cluster.master}/v2/apps/ui/web`)).json()) as { app: { cpus: number; deployments: unknown[] } }).app, { timeout: 30_000 }).toMatchObject({ cpus: 0.1, deployments: [] });
    await expect.poll(() => page.locator('main').textContent(), SLOW).toContain('No deployment in progress.');
    // An instance's stdout shows the line it printed.
    const firstTask = page.getByRole('table', { name: 'Tasks of /ui/web' }).getByRole('link').first();
    await firstTask.waitFor({ timeout: 30_000 });
    await firstTask.click();
    await page.getByRole('navigation', { name: 'Sandbox files' }).getByRole('link', { name: 'stdout', exact: true }).click();
    await expect.poll(() => page.getByTestId('log').textContent(), { timeout: 30_000 }).toContain('a line from the app');
    await visit('#/services');
    const link = page.getByRole('table', { name: 'Services' }).getByRole('link', { name: '/ui/web' });
    await link.waitFor(SLOW);
    await expect.poll(() => page.getByRole('table', { name: 'Services' }).textContent(), { timeout: 30_000 }).toContain('1 of 1');
    await screenshot(page, 'services');
    await expectAccessible(page, 'services');
    await link.click();
    expect(page.url()).toContain('#/services/ui/web');
    await page.getByRole('table', { name: 'Tasks of /ui/web' }).getByRole('row').nth(1).waitFor(SLOW);
    await page.getByLabel('Instances').fill('2');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Scale' }).click();
    await expect.poll(async () => ((await (await fetch(`${cluster.master}/v2/apps/ui/web`)).json()) as { app: { instances: number; tasksRunning: number } }).app.tasksRunning, { timeout: 30_000 }).toBe(2);
    await expect.poll(() => page.getByRole('table', { name: 'Tasks of /ui/web' }).getByRole('row').count(), SLOW).toBe(3); // header + 2
    await screenshot(page, 'service');
    await expectAccessible(page, 'service');
    // The scale's deployment ends once the new instance is healthy (until then the app is locked: 409).
    await expect.poll(() => page.locator('main').textContent(), { timeout: 30_000 }).toContain('No deployment in progress.');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Suspend' }).click();
    await expect.poll(async () => ((await (await fetch(`${cluster.master}/v2/apps/ui/web`)).json()) as { app: { instances: number; tasksRunning: number } }).app, { timeout: 30_000 }).toMatchObject({ instances: 0, tasksRunning: 0 });
    await expect.poll(() => page.locator('main').textContent(), SLOW).toContain('suspended');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(async () => (await fetch(`${cluster.master}/v2/apps/ui/web`)).status, { timeout: 30_000 }).toBe(404);
    await expect.poll(() => page.url(), SLOW).toMatch(/#\/services$/);
    // The page stops polling the app it deletes: no 404 for it in the console.
    expect(errors).toEqual([]);
  });

  it('stays usable at 1,000 agents and 10,000 tasks: tables render only the rows in view', async () => {
    const big = await browser.newPage();
    try {
      const body = JSON.stringify(syntheticState(1000, 10_000, cluster.masterPort));
      await big.route('**/master/state', (route) => route.fulfill({ status: 200, contentType: 'application/json', body }));
      const t0 = Date.now();
      await big.goto(`${cluster.master}/#/tasks`);
      await big.getByRole('link', { name: 'task-00000' }).waitFor();
      const shown = Date.now() - t0;
      const rows = await big.locator('tbody tr').count();
      await big.locator('.table-wrap.virtual').evaluate((el: { scrollTop: number; scrollHeight: number }) => { el.scrollTop = el.scrollHeight; });
      await big.getByRole('link', { name: 'task-09999' }).waitFor();
      await big.goto(`${cluster.master}/`);
      await big.getByRole('link', { name: 'and 990 more' }).waitFor();
      await big.goto(`${cluster.master}/#/agents`);
      await big.getByRole('link', { name: 'host-0000' }).waitFor();
      const agentRows = await big.locator('tbody tr').count();
      process.stdout.write(`web UI at 10,000 tasks: first rows after ${shown} ms, ${rows} task rows and ${agentRows} agent rows in the DOM\n`);
      expect(rows).toBeLessThan(100);
      expect(agentRows).toBeLessThan(100);
      expect(shown).toBeLessThan(5000);
      await expectAccessible(big, 'tasks at scale');
    } finally {
      await big.close();
    }
  });

  it('shows API errors: an unknown task', async () => {
    await visit('#/tasks/nope/nothing');
    await expect.poll(() => page.getByRole('alert').first().textContent(), SLOW).toContain('No task nothing of framework nope');
  });

  const followers: Proc[] = [];
  const followerIds: string[] = [];
  it('a follower serves the UI too: it reads the leader (307 + CORS) and shows every master', async () => {
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const id = `127.0.0.1:${port}`;
      // A new master joins with a token: the join adds it as a learner (over mutual TLS from then on).
      const created = await cli(['token', 'create', '--role', 'master', '--uses', '1', '--data-dir', clusterDir]);
      expect(created.code, created.out).toBe(0);
      const token = created.out.split('\n').find((l) => l.startsWith('TSM1.'))!;
      followers.push(tsmesos(['join', '-', '--role', 'master', '--port', String(port), '--data-dir', tempDir()], { env: { ...process.env, TSMESOS_JOIN_TOKEN: token } }));
      followerIds.push(id);
      await waitFor('the new master listening', async () => ((await getJson(`http://${id}/health`)).status === 200 ? true : undefined));
      // Added as a learner; promoted to a voter (a follower) once it has caught up.
      await waitFor('the new master promoted to follower', async () => {
        const leader = (await getJson(`${cluster.master}/tsmesos/raft/v1/status`)).body as { voters: string[] };
        const st = (await getJson(`http://${id}/tsmesos/raft/v1/status`)).body as { role: string };
        return leader.voters.includes(id) && st.role === 'follower' ? true : undefined;
      }, 20_000);
    }
    await page.goto(`http://${followerIds[0]}/`);
    await expect.poll(() => page.getByTestId('leader').textContent(), SLOW).toBe(`master@127.0.0.1:${cluster.masterPort}`);
    await expect.poll(async () => (await page.getByTestId('raft-role').allTextContents()).sort().join(','), SLOW).toBe('follower,follower,leader');
    await expect.poll(() => page.getByTestId('agents-up').textContent(), SLOW).toBe('1');
    // The follower's page follows the leader's event stream (cross-origin, CORS for the cluster's masters).
    await page.locator('.live[data-stream="open"]').waitFor(SLOW);
    await screenshot(page, 'overview-follower');
    await page.goto(`http://${followerIds[0]}/#/tasks`);
    await page.getByRole('link', { name: 'ui-hello-1' }).waitFor();
    // Writes from the follower's page go to the leader.
    const deactivated = async (): Promise<boolean | undefined> => ((await (await fetch(`${cluster.master}/master/slaves`)).json()) as { slaves: { deactivated: boolean }[] }).slaves[0]?.deactivated;
    await page.goto(`http://${followerIds[0]}/#/agents/${agentId}`);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(deactivated, SLOW).toBe(true);
    await expect.poll(() => page.locator('main').textContent(), SLOW).toContain('deactivated (no offers)');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await expect.poll(deactivated, SLOW).toBe(false);
    expect(errors).toEqual([]);
  });

  it('a page whose master dies reads the other masters and shows the new leader', async () => {
    await visit('');
    await expect.poll(async () => (await page.getByTestId('raft-role').allTextContents()).length, SLOW).toBe(3);
    expect(errors).toEqual([]);
    cluster.proc.kill('SIGKILL');
    await cluster.proc.exited;
    const leaders = followerIds.map((id) => `master@${id}`);
    await expect.poll(async () => leaders.includes((await page.getByTestId('leader').textContent()) ?? ''), { timeout: 20_000 }).toBe(true);
    await expect.poll(async () => (await page.getByTestId('raft-role').allTextContents()).sort().join(','), SLOW).toBe('follower,leader,unreachable');
    // The event stream follows the new leader; the election is among the recent events.
    await page.locator('.live[data-stream="open"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('ul.events').textContent()).toMatch(new RegExp(`leader elected: master@127\\.0\\.0\\.1:\\d+ leads \\(was master@127\\.0\\.0\\.1:${cluster.masterPort}\\)`));
    await screenshot(page, 'overview-failover');
  });

  it('shows an unreachable cluster', async () => {
    for (const f of followers) f.kill('SIGKILL');
    await Promise.all(followers.map((f) => f.exited));
    // The page reads the master that answered last (here: one of the followers) first.
    await page.getByRole('alert').filter({ hasText: /GET (http:\/\/[\d.:]+)?\/master\/state: cannot reach the server/ }).waitFor({ timeout: 10_000 });
    await page.getByRole('alert').filter({ hasText: /GET (http:\/\/[\d.:]+)?\/tsmesos\/raft\/v1\/status: cannot reach the server/ }).waitFor();
    await expect.poll(() => page.locator('.live').textContent(), SLOW).toContain('offline');
    await screenshot(page, 'error-offline');
  });
});
