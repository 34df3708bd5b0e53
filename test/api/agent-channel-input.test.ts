import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCluster } from '../helpers/in-process.js';

// The master's agent channel and legacy GET endpoints under hostile input.

let cluster: Awaited<ReturnType<typeof inProcessCluster>>;
beforeAll(async () => {
  // Plain-HTTP agent calls reach the channel's validation (its TLS gate is tested in test/security/join.test.ts).
  cluster = await inProcessCluster({ agentTls: 'optional' });
});
afterAll(async () => {
  await cluster.stop();
});

async function agentCall(body: string): Promise<{ status: number; code?: string; message?: string }> {
  const res = await fetch(`${cluster.master}/tsmesos/v1/agent`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  const json = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  return { status: res.status, ...json };
}

const validSubscribe = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'SUBSCRIBE',
  subscribe: { agent_info: { hostname: 'h', port: 5051, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] }, ip: '127.0.0.9', tasks: [], ...over },
});

describe('agent channel input', () => {
  it.each([
    ['malformed JSON', '{"type":"SUBSCRIBE",'],
    ['unknown call', '{"type":"REGISTER_EVERYTHING"}'],
    ['missing payload', '{"type":"SUBSCRIBE"}'],
    ['bad ip', JSON.stringify(validSubscribe({ ip: 'not-an-ip' }))],
    ['port out of range', JSON.stringify({ type: 'SUBSCRIBE', subscribe: { agent_info: { hostname: 'h', port: 70000, resources: [] }, ip: '127.0.0.9' } })],
    ['negative resources', JSON.stringify({ type: 'SUBSCRIBE', subscribe: { agent_info: { hostname: 'h', port: 1, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }] }, ip: '127.0.0.9' } })],
    ['resources of the wrong type', JSON.stringify({ type: 'SUBSCRIBE', subscribe: { agent_info: { hostname: 'h', port: 1, resources: 'cpus:1' }, ip: '127.0.0.9' } })],
    ['hostile attribute text', JSON.stringify(validSubscribe({ attributes_text: 'rack:$(rm -rf /)' }))],
    ['update for an unsubscribed agent', JSON.stringify({ type: 'UPDATE', agent_id: { value: 'nobody' }, update: { framework_id: { value: 'f' }, status: { task_id: { value: 't' }, state: 'TASK_RUNNING', uuid: 'AAAAAAAAAAAAAAAAAAAAAA==', timestamp: 1 } } })],
    ['update with a bogus state', JSON.stringify({ type: 'UPDATE', agent_id: { value: 'a' }, update: { framework_id: { value: 'f' }, status: { task_id: { value: 't' }, state: 'TASK_EXPLODED', uuid: 'x', timestamp: 1 } } })],
  ])('%s -> 4xx with {code, message}', async (_name, body) => {
    const r = await agentCall(body);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.code).toMatch(/^[A-Z_]+$/);
    expect(r.message?.length).toBeGreaterThan(0);
  });

  it('413 on a 20 MB body', async () => {
    const r = await agentCall(JSON.stringify(validSubscribe({ padding: 'x'.repeat(20 * 1024 * 1024) })));
    expect(r.status).toBe(413);
  });

  it('legacy endpoints: jsonp callback is validated; unknown routes are 404 JSON', async () => {
    const ok = await fetch(`${cluster.master}/master/state?jsonp=cb`);
    expect(ok.status).toBe(200);
    expect((await ok.text()).startsWith('cb({')).toBe(true);
    const bad = await fetch(`${cluster.master}/master/state?jsonp=${encodeURIComponent('alert(1)//')}`);
    expect(bad.status).toBe(400);
    const missing = await fetch(`${cluster.master}/no/such/thing`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('NOT_FOUND');
  });

  it('redirect, version, health, metrics', async () => {
    const r = await fetch(`${cluster.master}/master/redirect`, { redirect: 'manual' });
    expect(r.status).toBe(307);
    expect(r.headers.get('location')).toBe(`//127.0.0.1:${new URL(cluster.master).port}`);
    const v = (await (await fetch(`${cluster.master}/version`)).json()) as { version: string };
    expect(v.version).toMatch(/^\d+\.\d+\.\d+/);
    const m = (await (await fetch(`${cluster.master}/metrics/snapshot`)).json()) as Record<string, number>;
    expect(m['master/elected']).toBe(1);
    expect(m['master/slaves_active']).toBe(1);
  });

  it('agent /state and /files under hostile paths', async () => {
    const s = await fetch(`${cluster.agent}/state`);
    expect(s.status).toBe(200);
    for (const p of ['/etc/passwd', `${cluster.dataDir}/agent/slaves/../../master/registry.db`, '', 'x'.repeat(10_000), '/tmp/\u0000x']) {
      const r = await fetch(`${cluster.agent}/files/read?path=${encodeURIComponent(p)}&offset=0`);
      expect([400, 403, 404]).toContain(r.status);
      expect(((await r.json()) as { code: string }).code).toMatch(/^[A-Z_]+$/);
    }
  });
});

describe('error mapping', () => {
  it('a NOT_LEADER raised inside a handler (no Location to give) is a retryable 503, never a bare 307', async () => {
    const { Hono } = await import('hono');
    const { installErrorHandling } = await import('../../src/api/http-errors.js');
    const { TsmesosError } = await import('../../src/domain/errors.js');
    const { silentLogger } = await import('../../src/lib/log.js');
    const app = new Hono();
    installErrorHandling(app, silentLogger);
    app.get('/x', () => {
      throw new TsmesosError('NOT_LEADER', 'leadership lost');
    });
    const res = await app.request('/x');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('UNAVAILABLE');
  });
});
