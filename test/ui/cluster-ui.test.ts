import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startAllInOne, tempDir, waitFor } from '../helpers/process.js';
import { expectAccessible, launchBrowser, screenshot, watchErrors } from './browser.js';
import { ACL_ACTIONS } from '../../src/security/acls.js';

// The web UI's usage history, sign-in and Cluster page against a real `up --role all` node
// that asks for credentials (--authenticate-http-readwrite) and has --acls: the APIs they read
// (GET /tsmesos/v1/usage, /whoami, /acls) with hostile input first, then Chromium.

const SLOW = { timeout: 15_000 };
const ACLS = { permissive: true, register_frameworks: [{ principals: { values: ['ops'] }, roles: { type: 'ANY' } }], run_tasks: [{ principals: { type: 'ANY' }, users: { values: ['nobody'] } }] };
const OPS_SECRET = 'ops-secret-for-the-ui';

interface UsageBody { interval_ms: number; window_ms: number; samples: { at: number; agents: number; resources: Record<string, { used: number; total: number }> }[] }

describe('web UI: usage history, sign-in, Cluster page', () => {
  let cluster: Awaited<ReturnType<typeof startAllInOne>>;
  const dataDir = tempDir();
  let admin = '';
  let browser: BrowserContext;
  let page: Page;
  let errors: string[];
  const bearer = (t: string): Record<string, string> => ({ Authorization: `Bearer ${t}` });
  const basic = (n: string, s: string): Record<string, string> => ({ Authorization: `Basic ${Buffer.from(`${n}:${s}`).toString('base64')}` });

  let setupError: Error | null = null;
  beforeAll(async () => {
    try {
      // The leader samples every 300 ms here (10 s by default): the chart has points at once.
      process.env['TSMESOS_USAGE_SAMPLE_MS'] = '300';
      const [c, b] = await Promise.allSettled([
        startAllInOne(dataDir, ['--authenticate-http-readwrite', 'true', '--acls', JSON.stringify(ACLS)]),
        launchBrowser(),
      ]);
      if (c.status === 'fulfilled') cluster = c.value;
      if (b.status === 'fulfilled') browser = b.value;
      if (c.status === 'rejected') throw c.reason;
      if (b.status === 'rejected') throw b.reason;
      const adminFile = path.join(dataDir, 'master', 'tls', 'admin.json');
      await waitFor('the admin credential', () => (fs.existsSync(adminFile) ? true : undefined), 30_000);
      admin = (JSON.parse(fs.readFileSync(adminFile, 'utf8')) as { token: string }).token;
      const op = await fetch(`${cluster.master}/tsmesos/v1/principals`, { method: 'POST', headers: { ...bearer(admin), 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'ops', secret: OPS_SECRET }) });
      if (op.status !== 200) throw new Error(`adding principal ops: ${op.status} ${await op.text()}`);
      page = await browser.newPage();
      errors = watchErrors(page);
    } catch (e) {
      setupError = e instanceof Error ? e : new Error(String(e));
    }
  });
  beforeEach(() => {
    if (setupError !== null) throw setupError;
  });

  it('GET /tsmesos/v1/usage: the leader\'s samples of used and total, oldest first, with since; bad since is a 400', async () => {
    const u = await waitFor('two usage samples', async () => {
      const r = await fetch(`${cluster.master}/tsmesos/v1/usage`);
      expect(r.status).toBe(200);
      expect(r.headers.get('access-control-allow-origin')).toBe('*');
      const b = (await r.json()) as UsageBody;
      // Two samples, the newest taken while the master counted the agent (a sample can precede its registration).
      return b.samples.length >= 2 && b.samples.at(-1)!.agents === 1 ? b : undefined;
    });
    expect(u.interval_ms).toBe(300);
    expect(u.window_ms).toBe(3600_000);
    const state = (await (await fetch(`${cluster.master}/master/state`)).json()) as { slaves: { resources: Record<string, number> }[] };
    const last = u.samples.at(-1)!;
    expect(last.agents).toBe(1);
    expect(Object.keys(last.resources).sort()).toEqual(['cpus', 'disk', 'gpus', 'mem']);
    expect(last.resources['cpus']!.total).toBe(state.slaves[0]!.resources['cpus']);
    expect(last.resources['mem']!.total).toBe(state.slaves[0]!.resources['mem']);
    for (let i = 1; i < u.samples.length; i++) expect(u.samples[i]!.at).toBeGreaterThan(u.samples[i - 1]!.at);
    const since = u.samples.at(-2)!.at;
    const newer = (await (await fetch(`${cluster.master}/tsmesos/v1/usage?since=${since}`)).json()) as UsageBody;
    expect(newer.samples.length).toBeGreaterThanOrEqual(1);
    expect(newer.samples.every((s) => s.at > since)).toBe(true);
    for (const bad of ['-1', 'abc', '1e5', '', '1'.repeat(17), '%00', '1.5']) {
      const r = await fetch(`${cluster.master}/tsmesos/v1/usage?since=${bad}`);
      expect(r.status, bad).toBe(400);
      expect(((await r.json()) as { code: string }).code).toBe('BAD_REQUEST');
    }
  });

  it('GET /tsmesos/v1/whoami and /tsmesos/v1/acls: anonymous, a principal, the admin; wrong or hostile credentials are 401', async () => {
    const who = async (h: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> => {
      const r = await fetch(`${cluster.master}/tsmesos/v1/whoami`, { headers: h });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    expect(await who({})).toEqual({ status: 200, body: { principal: null, admin: false, authenticate_frameworks: false, authenticate_http_readwrite: true } });
    expect((await who(basic('ops', OPS_SECRET))).body).toMatchObject({ principal: 'ops', admin: false });
    expect((await who(bearer(admin))).body).toMatchObject({ principal: 'admin', admin: true });
    for (const h of [basic('ops', 'wrong-secret'), basic('nobody', 'x'), bearer('x'.repeat(43)), { Authorization: 'Digest abc' }, { Authorization: `Bearer ${'a'.repeat(5000)}` }]) {
      const r = await who(h);
      expect(r.status, JSON.stringify(h).slice(0, 60)).toBe(401);
      expect(r.body['code']).toBe('UNAUTHORIZED');
    }
    // No Basic challenge: a browser would answer it with its own login dialog.
    expect((await fetch(`${cluster.master}/tsmesos/v1/whoami`, { headers: basic('ops', 'wrong') })).headers.get('www-authenticate')).toBeNull();

    // A change without credentials: both challenges (Mesos), but none for Basic when the page's
    // script says it is one (the browser would hold the request for its own login dialog).
    const call = (h: Record<string, string>): Promise<Response> => fetch(`${cluster.master}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...h }, body: '{"type":"GET_HEALTH"}' });
    const plain = await call({});
    expect(plain.status).toBe(401);
    expect(plain.headers.get('www-authenticate')).toBe('Basic realm="mesos-master-readwrite", Bearer realm="mesos-master-readwrite"');
    const fromPage = await call({ 'X-Requested-With': 'XMLHttpRequest' });
    expect(fromPage.status).toBe(401);
    expect(fromPage.headers.get('www-authenticate')).toBe('Bearer realm="mesos-master-readwrite"');
    expect((await call({ ...basic('ops', OPS_SECRET), 'X-Requested-With': 'XMLHttpRequest' })).status).toBe(200);

    for (const h of [{}, basic('ops', OPS_SECRET), bearer('nope')]) {
      const r = await fetch(`${cluster.master}/tsmesos/v1/acls`, { headers: h });
      expect(r.status).toBe(401);
    }
    const acls = (await (await fetch(`${cluster.master}/tsmesos/v1/acls`, { headers: bearer(admin) })).json()) as Record<string, unknown>;
    expect(acls).toEqual({
      // Every action Mesos's --acls knows, those not given with no rules.
      acls: { ...Object.fromEntries(Object.keys(ACL_ACTIONS).map((a) => [a, []])), ...ACLS },
      authenticate_frameworks: false, authenticate_http_readwrite: true,
      principals: [{ name: 'ops', createdAt: expect.any(Number) as number }],
    });
  });

  it('CORS for the cluster\'s masters: a member\'s page may write here (preflight with Authorization), any other origin may not', async () => {
    const member = `http://127.0.0.1:${cluster.masterPort}`;
    const preflight = (origin: string, path: string): Promise<Response> => fetch(`${cluster.master}${path}`, {
      method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,x-requested-with' },
    });
    for (const path of ['/api/v1', '/v2/apps', '/tsmesos/v1/tokens', '/tsmesos/v1/tokens/0123456789abcdef', '/master/teardown']) {
      const ok = await preflight(member, path);
      expect(ok.status, path).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe(member);
      expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
      expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
      for (const foreign of ['http://evil.example', `http://127.0.0.1:${cluster.masterPort + 1}`, `https://127.0.0.1:${cluster.masterPort}`, 'null', `http://127.0.0.1:${cluster.masterPort}.evil.example`]) {
        const no = await preflight(foreign, path);
        expect(no.headers.get('access-control-allow-origin'), `${foreign} ${path}`).toBeNull();
      }
    }
    // The call itself: the member's origin is allowed to read the answer (a 401 here, without credentials).
    const call = await fetch(`${cluster.master}/api/v1`, { method: 'POST', headers: { Origin: member, 'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest' }, body: '{"type":"GET_HEALTH"}' });
    expect(call.status).toBe(401);
    expect(call.headers.get('access-control-allow-origin')).toBe(member);
    const foreignCall = await fetch(`${cluster.master}/api/v1`, { method: 'POST', headers: { Origin: 'http://evil.example', 'Content-Type': 'application/json', ...basic('ops', OPS_SECRET) }, body: '{"type":"GET_HEALTH"}' });
    expect(foreignCall.headers.get('access-control-allow-origin')).toBeNull();
    // Reads stay open to any origin (`*`), a member's gets its own origin.
    expect((await fetch(`${cluster.master}/master/state`, { headers: { Origin: 'http://evil.example' } })).headers.get('access-control-allow-origin')).toBe('*');
    expect((await fetch(`${cluster.master}/master/state`, { headers: { Origin: member } })).headers.get('access-control-allow-origin')).toBe(member);
  });

  it('overview: the usage chart draws the leader\'s history', async () => {
    await page.goto(`${cluster.master}/`);
    const chart = page.getByRole('img', { name: /^In use over the last 1 min: CPU now \d+%, peak \d+%; memory now/ });
    await chart.waitFor(SLOW);
    // More points than the page's own polls could have made: they come from the leader's history.
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), SLOW).toBeGreaterThan(5);
    expect(await page.locator('.chart figcaption').textContent()).toContain('sampled every 0.3 s');
    await screenshot(page, 'overview-usage');
  });

  it('sign-in: a change without credentials shows the 401; wrong credentials are refused; a principal signs in and acts', async () => {
    const agentId = ((await (await fetch(`${cluster.master}/master/state`)).json()) as { slaves: { id: string }[] }).slaves[0]!.id;
    await page.goto(`${cluster.master}/#/agents/${agentId}`);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent(), SLOW).toContain('401');
    expect(await page.getByRole('alert').first().textContent()).toContain('sign in');

    await page.getByRole('link', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('auth-mode').textContent(), SLOW).toContain('asks for credentials for changes');
    const form = page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Principal').fill('ops');
    await form.getByLabel('Secret').fill('not-the-secret');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => form.getByRole('alert').textContent(), SLOW).toContain('401');
    await screenshot(page, 'login');
    await expectAccessible(page, 'login');
    await form.getByLabel('Secret').fill(OPS_SECRET);
    await form.getByRole('button', { name: 'Sign in' }).click();
    // Back to the page that sent the user here, signed in.
    await expect.poll(() => page.url(), SLOW).toContain(`#/agents/${agentId}`);
    expect(await page.getByTestId('principal').textContent()).toBe('ops');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(async () => ((await (await fetch(`${cluster.master}/master/slaves`)).json()) as { slaves: { deactivated: boolean }[] }).slaves[0]?.deactivated, SLOW).toBe(true);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await expect.poll(async () => ((await (await fetch(`${cluster.master}/master/slaves`)).json()) as { slaves: { deactivated: boolean }[] }).slaves[0]?.deactivated, SLOW).toBe(false);
    // The operator stream opens with the credentials too (SUBSCRIBE is a POST).
    await page.locator('.live[data-stream="open"]').waitFor(SLOW);
  });

  it('Cluster page: needs the admin credential; creates a join token, shows its join command, revokes it; principals and ACLs', async () => {
    await page.goto(`${cluster.master}/#/cluster`);
    await expect.poll(() => page.getByRole('status').first().textContent(), SLOW).toContain('signed in as ops');
    const form = page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Token').fill(admin);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('principal').textContent(), SLOW).toBe('admin');

    const create = page.getByRole('form', { name: 'Create a join token' });
    await create.getByLabel('Role').selectOption('agent');
    await create.getByLabel('Valid for').selectOption({ label: '1 hour' });
    await create.getByLabel('Uses (empty: any)').fill('2');
    await create.getByRole('button', { name: 'Create token' }).click();
    const command = (await page.getByTestId('join-command').textContent({ timeout: 15_000 })) ?? '';
    expect(command).toMatch(/^tsmesos join TSM1\.[^ ]+@127\.0\.0\.1:\d+$/);
    const listed = (await (await fetch(`${cluster.master}/tsmesos/v1/tokens`, { headers: bearer(admin) })).json()) as { tokens: { id: string; role: string; maxUses: number | null; expiresAt: number; createdAt: number }[] };
    const token = listed.tokens.find((t) => command.includes(`.${t.id}.`))!;
    expect(token).toMatchObject({ role: 'agent', maxUses: 2 });
    expect(token.expiresAt - token.createdAt).toBe(3600_000);
    const table = page.getByRole('table', { name: 'Join tokens' });
    await expect.poll(() => table.getByTestId(`token-state-${token.id}`).textContent(), SLOW).toBe('valid');

    // A master token shows the master's join command.
    await create.getByLabel('Role').selectOption('master');
    await create.getByLabel('Uses (empty: any)').fill('');
    await create.getByRole('button', { name: 'Create token' }).click();
    await expect.poll(() => page.getByTestId('join-command').textContent(), SLOW).toMatch(/^tsmesos join --role master TSM1\./);
    // A bad number of uses is refused in the form, with the reason.
    await create.getByLabel('Uses (empty: any)').fill('0');
    await create.getByRole('button', { name: 'Create token' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent(), SLOW).toContain('at least 1');

    await expect.poll(() => page.getByRole('table', { name: 'Principals' }).textContent(), SLOW).toContain('ops');
    expect(await page.getByTestId('acls-permissive').textContent()).toBe('allowed (permissive)');
    expect(await page.getByRole('table', { name: 'ACL register_frameworks' }).textContent()).toContain('roles: ANY');
    expect(await page.getByRole('table', { name: 'ACL run_tasks' }).textContent()).toContain('users: nobody');
    await screenshot(page, 'cluster');
    await expectAccessible(page, 'cluster');

    page.once('dialog', (d) => void d.accept());
    await table.getByRole('button', { name: `Revoke ${token.id}` }).click();
    await expect.poll(() => table.getByTestId(`token-state-${token.id}`).textContent(), SLOW).toBe('revoked');
    const after = (await (await fetch(`${cluster.master}/tsmesos/v1/tokens`, { headers: bearer(admin) })).json()) as { tokens: { id: string; revokedAt: number | null }[] };
    expect(after.tokens.find((t) => t.id === token.id)!.revokedAt).not.toBeNull();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('form', { name: 'Sign in' }).waitFor(SLOW);
    expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
  });
});
