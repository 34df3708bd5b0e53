import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRateLimitsError, FrameworkRateLimiter, parseRateLimits } from '../../src/security/rate-limits.js';
import { freePort, tempDir, tsmesos, waitFor, type Proc } from '../helpers/process.js';
import { cli } from '../helpers/masters.js';

describe('--rate-limits (Mesos format, injected time)', () => {
  it('limits listed principals to their qps and burst, the unlisted together to the aggregate default', () => {
    let t = 0;
    const limiter = new FrameworkRateLimiter(parseRateLimits({
      limits: [{ principal: 'a', qps: 2, capacity: 3 }, { principal: 'free' }],
      aggregate_default_qps: 1, aggregate_default_capacity: 1,
    }), () => t);
    for (let i = 0; i < 3; i++) expect(limiter.take('a')).toBeNull();
    expect(limiter.take('a')).toEqual({ limit: { qps: 2, capacity: 3 }, retryAfterMs: 500 });
    t = 500;
    expect(limiter.take('a')).toBeNull();
    for (let i = 0; i < 100; i++) expect(limiter.take('free')).toBeNull();
    // x and y share the aggregate bucket
    expect(limiter.take('x')).toBeNull();
    expect(limiter.take('y')?.retryAfterMs).toBe(1000);
    // without an aggregate default, unlisted principals are not limited
    const open = new FrameworkRateLimiter(parseRateLimits({ limits: [{ principal: 'a', qps: 1 }] }), () => 0);
    for (let i = 0; i < 100; i++) expect(open.take('other')).toBeNull();
  });

  it.each([
    [[], /expected object/],
    [{ limits: [{ principal: 'a', qps: 0 }] }, /rate_limits.limits.0.qps/],
    [{ limits: [{ principal: 'a', qps: 1 }, { principal: 'a', qps: 2 }] }, /listed twice/],
    [{ limits: [{ qps: 1 }] }, /rate_limits.limits.0.principal/],
    [{ limits: [], burst: 3 }, /rate_limits/],
    [{ aggregate_default_qps: -1 }, /aggregate_default_qps/],
  ])('refuses %j', (json, message) => {
    expect(() => parseRateLimits(json)).toThrow(BadRateLimitsError);
    expect(() => parseRateLimits(json)).toThrow(message);
  });
});

describe('--rate-limits on a running master (real process)', () => {
  const dataDir = tempDir();
  let master: Proc;
  let url = '';
  const IP = '127.0.1.98';
  beforeAll(async () => {
    const port = await freePort(IP);
    url = `http://${IP}:${port}`;
    master = tsmesos(['up', '--role', 'master', '--ip', IP, '--port', String(port), '--data-dir', dataDir,
      '--rate-limits', JSON.stringify({ limits: [{ principal: 'slow', qps: 0.01, capacity: 2 }] })]);
    await waitFor('the admin credential', () => (fs.existsSync(path.join(dataDir, 'master', 'tls', 'admin.json')) ? true : undefined), 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${master.output()}`);
    });
  });
  afterAll(() => master.kill('SIGKILL'));

  it('a limited principal gets 429 with Retry-After once over its burst; another principal and unauthenticated calls are not limited', async () => {
    const add = async (name: string): Promise<string> => {
      const r = await cli(['principal', 'add', name, '--data-dir', dataDir, '--json']);
      expect(r.code, r.out).toBe(0);
      return `Basic ${Buffer.from(`${name}:${(JSON.parse(r.out.trim()) as { secret: string }).secret}`).toString('base64')}`;
    };
    const [slow, fast] = [await add('slow'), await add('fast')];
    const callAs = async (auth: string | undefined): Promise<Response> => fetch(`${url}/api/v1/scheduler`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', ...(auth !== undefined ? { Authorization: auth } : {}) },
      body: JSON.stringify({ type: 'RECONCILE', framework_id: { value: 'nope' }, reconcile: { tasks: [] } }),
    });
    const statuses = async (auth: string | undefined, n: number): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const r = await callAs(auth);
        out.push(r.status);
        if (r.status === 429) {
          expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
          expect(await r.json()).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringContaining("rate limit exceeded for principal 'slow'") as unknown });
        } else {
          await r.body?.cancel();
        }
      }
      return out;
    };
    const slowStatuses = await statuses(slow, 4);
    expect(slowStatuses.slice(0, 2).every((s) => s !== 429), slowStatuses.join(',')).toBe(true);
    expect(slowStatuses.slice(2)).toEqual([429, 429]);
    expect((await statuses(fast, 6)).includes(429)).toBe(false);
    expect((await statuses(undefined, 6)).includes(429)).toBe(false);
  });
});
