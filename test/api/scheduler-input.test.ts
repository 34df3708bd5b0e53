import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCluster } from '../helpers/in-process.js';

// Hostile and malformed input on POST /api/v1/scheduler: always a 4xx with {code, message}, never a crash.

let cluster: Awaited<ReturnType<typeof inProcessCluster>>;
beforeAll(async () => {
  cluster = await inProcessCluster();
});
afterAll(async () => {
  await cluster.stop();
});

async function post(body: string | Uint8Array, headers: Record<string, string> = { 'Content-Type': 'application/json' }, method = 'POST'): Promise<{ status: number; json: { code?: string; message?: string } }> {
  const res = await fetch(`${cluster.master}/api/v1/scheduler`, { method, headers, ...(method === 'GET' ? {} : { body }) });
  const text = await res.text();
  let json: { code?: string; message?: string } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // non-JSON bodies fail the shape assertions below
  }
  return { status: res.status, json };
}

function expectError(r: { status: number; json: { code?: string; message?: string } }, status: number, code: string): void {
  expect(r.status).toBe(status);
  expect(r.json.code).toBe(code);
  expect(typeof r.json.message).toBe('string');
  expect(r.json.message!.length).toBeGreaterThan(0);
}

describe('scheduler API rejects bad input', () => {
  it('405 on GET', async () => expectError(await post('', {}, 'GET'), 405, 'METHOD_NOT_ALLOWED'));
  // A byte body: fetch adds no Content-Type of its own.
  it('400 without Content-Type', async () => expectError(await post(new TextEncoder().encode('{}'), {}), 400, 'BAD_REQUEST'));
  it('415 on other content types, protobuf included', async () => {
    expectError(await post('{}', { 'Content-Type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await post('{}', { 'Content-Type': 'application/x-protobuf' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
  it('406 when the client accepts nothing we produce', async () => {
    expectError(await post('{"type":"SUBSCRIBE"}', { 'Content-Type': 'application/json', Accept: 'text/html' }), 406, 'NOT_ACCEPTABLE');
  });
  it('400 on malformed JSON, empty body, non-object JSON', async () => {
    expectError(await post('{"type":'), 400, 'BAD_REQUEST');
    expectError(await post(''), 400, 'BAD_REQUEST');
    expectError(await post('[1,2,3]'), 400, 'BAD_REQUEST');
    expectError(await post('null'), 400, 'BAD_REQUEST');
    expectError(await post('"SUBSCRIBE"'), 400, 'BAD_REQUEST');
  });
  it('400 on unknown or mistyped call types', async () => {
    expectError(await post('{"type":"LAUNCH_MISSILES"}'), 400, 'BAD_REQUEST');
    expectError(await post('{"type":7}'), 400, 'BAD_REQUEST');
    expectError(await post('{}'), 400, 'BAD_REQUEST');
  });
  it('413 on a 10 MB body', async () => {
    const big = JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'x', name: 'x'.repeat(10 * 1024 * 1024) } } });
    expectError(await post(big), 413, 'PAYLOAD_TOO_LARGE');
  });
  it('400 on SUBSCRIBE with a stream id header or without a payload', async () => {
    expectError(await post('{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"x","user":"x"}}}', { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 'abc' }), 400, 'BAD_REQUEST');
    expectError(await post('{"type":"SUBSCRIBE"}'), 400, 'BAD_REQUEST');
    expectError(await post('{"type":"SUBSCRIBE","subscribe":"x"}'), 400, 'BAD_REQUEST');
  });
  it('a FrameworkInfo that is not a FrameworkInfo message (missing name, wrong type) is a 400, as Mesos fails to parse it', async () => {
    for (const fi of [{ user: 'x' }, { name: 5, user: 'x' }, { name: 'x', capabilities: [{ type: 'NOT_A_CAPABILITY' }] }]) {
      const r = await post(JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: fi } }));
      expectError(r, 400, 'BAD_REQUEST');
      expect(r.json.message).toMatch(/framework_info/);
    }
  });
  it('200 + a stream id + a single ERROR event for an invalid FrameworkInfo (Mesos semantics)', async () => {
    for (const fi of [{ name: 'x', role: 'a', capabilities: [{ type: 'MULTI_ROLE' }] }, { name: 'x', roles: ['a', 'a'], capabilities: [{ type: 'MULTI_ROLE' }] }, { name: 'x', role: '../etc' }, { name: 'x', failover_timeout: -1 }]) {
      const res = await fetch(`${cluster.master}/api/v1/scheduler`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: fi } }) });
      expect(res.status).toBe(200);
      expect(res.headers.get('mesos-stream-id')).toMatch(/^[0-9a-f-]{36}$/);
      const text = await res.text();
      const record = JSON.parse(text.slice(text.indexOf('\n') + 1)) as { type: string; error: { message: string } };
      expect(record.type).toBe('ERROR');
      expect(record.error.message).toMatch(/framework_info|role/);
    }
  });
  it('400 for calls of unknown frameworks, missing or wrong stream ids', async () => {
    expectError(await post('{"type":"TEARDOWN","framework_id":{"value":"nope"}}', { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 'x' }), 400, 'BAD_REQUEST');
    expectError(await post('{"type":"TEARDOWN"}'), 400, 'BAD_REQUEST');
    expectError(await post('{"type":"TEARDOWN","framework_id":{"value":"a/../b"}}'), 400, 'BAD_REQUEST');
    expectError(await post('{"type":"TEARDOWN","framework_id":"plain-string"}'), 400, 'BAD_REQUEST');
  });
  it('Accept: application/recordio gets recordio framing headers; an unsupported Message-Accept is 406', async () => {
    const body = JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'rio' } } });
    const ctrl = new AbortController();
    const res = await fetch(`${cluster.master}/api/v1/scheduler`, { method: 'POST', signal: ctrl.signal, headers: { 'Content-Type': 'application/json', Accept: 'application/recordio', 'Message-Accept': 'application/json' }, body });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/recordio');
    expect(res.headers.get('message-content-type')).toBe('application/json');
    ctrl.abort();
    expectError(await post(body, { 'Content-Type': 'application/json', Accept: 'application/recordio', 'Message-Accept': 'application/x-protobuf' }), 406, 'NOT_ACCEPTABLE');
  });

  it('still serves after all that', async () => {
    const res = await fetch(`${cluster.master}/health`);
    expect(res.status).toBe(200);
  });
});
