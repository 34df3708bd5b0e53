import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureThrottle } from '../../src/security/auth-throttle.js';
import { resolveUpConfig } from '../../src/cli/up-config.js';
import { freePort, tempDir, tsmesos, waitFor, type Proc } from '../helpers/process.js';

describe('failed authentication per source (token bucket, injected time)', () => {
  it('lets a source fail `burst` times, then once per refill; other sources are not affected', () => {
    let t = 0;
    const th = new FailureThrottle({ burst: 3, refillMs: 1000, now: () => t });
    for (let i = 0; i < 3; i++) {
      expect(th.retryAfterMs('a')).toBe(0);
      th.failed('a');
    }
    expect(th.retryAfterMs('a')).toBe(1000);
    expect(th.retryAfterMs('b')).toBe(0);
    t = 400;
    expect(th.retryAfterMs('a')).toBe(600);
    t = 1000;
    expect(th.retryAfterMs('a')).toBe(0);
    th.failed('a');
    expect(th.retryAfterMs('a')).toBe(1000);
    // a full bucket is forgotten
    t = 10_000;
    expect(th.retryAfterMs('a')).toBe(0);
    expect(th.size).toBe(0);
  });

  it('remembers a bounded number of sources (oldest forgotten first)', () => {
    const th = new FailureThrottle({ burst: 1, refillMs: 60_000, maxSources: 100, now: () => 0 });
    for (let i = 0; i < 1000; i++) th.failed(`10.0.${i >> 8}.${i & 255}`);
    expect(th.size).toBe(100);
    expect(th.retryAfterMs('10.0.3.231')).toBeGreaterThan(0); // the last one
    expect(th.retryAfterMs('10.0.0.0')).toBe(0); // forgotten
  });
});

describe('--auth-failure-limit', () => {
  it('defaults to 10, 0 turns the limit off, anything else is refused naming its source', () => {
    expect(resolveUpConfig({ role: 'master' }, {}).authFailureLimit).toBe(10);
    expect(resolveUpConfig({ role: 'master', authFailureLimit: '0' }, {}).authFailureLimit).toBe(0);
    expect(resolveUpConfig({ role: 'master' }, { TSMESOS_AUTH_FAILURE_LIMIT: '3' }).authFailureLimit).toBe(3);
    for (const bad of ['-1', 'x', '1e3', '10000000']) {
      expect(() => resolveUpConfig({ role: 'master', authFailureLimit: bad }, {}), bad).toThrow(/invalid --auth-failure-limit .* \(from the command line\): expected a whole number from 0 to 999999/);
    }
  });
});

describe('failed authentication limited on a running master (real process)', () => {
  const dataDir = tempDir();
  let master: Proc;
  let url = '';
  const IP = '127.0.1.97';
  beforeAll(async () => {
    const port = await freePort(IP);
    url = `http://${IP}:${port}`;
    master = tsmesos(['up', '--role', 'master', '--ip', IP, '--port', String(port), '--data-dir', dataDir, '--authenticate-http-readwrite', 'true']);
    await waitFor('the admin credential', () => (fs.existsSync(path.join(dataDir, 'master', 'tls', 'admin.json')) ? true : undefined), 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${master.output()}`);
    });
  });
  afterAll(() => master.kill('SIGKILL'));

  it('guessing credentials turns into 429 with Retry-After {code, message}; requests without credentials are not held back', async () => {
    const guess = (i: number): Promise<Response> => fetch(`${url}/api/v1`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer guess-${i}` }, body: '{"type":"GET_HEALTH"}',
    });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 50 && limited === undefined; i++) {
      const r = await guess(i);
      statuses.push(r.status);
      if (r.status === 429) limited = r;
      else await r.body?.cancel();
    }
    expect(limited, statuses.join(',')).toBeDefined();
    expect(statuses.slice(0, 10)).toEqual(Array<number>(10).fill(401));
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited!.json()).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/too many failed authentication attempts from 127\.0\.0\.1/) as unknown });
    // the admin credential from the same source waits too (no guessing the right one in between)
    const admin = (JSON.parse(fs.readFileSync(path.join(dataDir, 'master', 'tls', 'admin.json'), 'utf8')) as { token: string }).token;
    const right = await fetch(`${url}/tsmesos/v1/tokens`, { headers: { Authorization: `Bearer ${admin}` } });
    expect(right.status).toBe(429);
    await right.body?.cancel();
    // without credentials: answered as before
    const anon = await fetch(`${url}/master/state`);
    expect(anon.status).toBe(200);
    await anon.body?.cancel();
  });
});
