import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { redirectToLeader, type LeaderEndpoint } from '../../src/lib/leader-redirect.js';
import { TsmesosError } from '../../src/domain/errors.js';

// The one "not the leader" answer shared by the leader gate, /master/redirect and Raft membership.

function app(leader: LeaderEndpoint | null, target?: 'root'): Hono {
  const a = new Hono();
  a.all('*', (c) => redirectToLeader(c, leader, target ? { target } : {}));
  a.onError((e, c) => c.json({ code: e instanceof TsmesosError ? e.code : 'INTERNAL' }, 503));
  return a;
}

describe('redirectToLeader', () => {
  it('sends the request, path and query kept, to the leader with a NOT_LEADER body', async () => {
    const res = await app({ host: '10.0.0.2', port: 5050 }).request('http://10.0.0.1:5050/api/v1/scheduler?x=1', { method: 'POST' });
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('//10.0.0.2:5050/api/v1/scheduler?x=1');
    expect(await res.json()).toEqual({ code: 'NOT_LEADER', message: 'this master is not the leader; the leader is 10.0.0.2:5050' });
  });

  it("'root' points at the leader itself, without a body (Mesos /master/redirect)", async () => {
    const res = await app({ host: '10.0.0.2', port: 5050 }, 'root').request('http://10.0.0.1:5050/master/redirect');
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('//10.0.0.2:5050');
    expect(await res.text()).toBe('');
  });

  it('with no leader known, fails with UNAVAILABLE', async () => {
    const res = await app(null).request('http://10.0.0.1:5050/master/state');
    expect(await res.json()).toEqual({ code: 'UNAVAILABLE' });
  });
});
