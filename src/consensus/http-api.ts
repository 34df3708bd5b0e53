// Raft's HTTP surface on the master port, under /tsmesos/raft/v1:
//   POST messages  peer transport (batched JSON, binary as base64)
//   GET  status    this node's Raft status (any member; used by `tsmesos status` / `masters`)
//   POST members   {"action":"add"|"remove","address":"IP:PORT"} — leader only, else 307
//   POST bench/propose  hidden, only with TSMESOS_RAFT_BENCH=1: replicates one NOOP command
import { Hono, type Context } from 'hono';
import { readJsonBody } from '../api/http-errors.js';
import { TsmesosError } from '../domain/errors.js';
import { parseHostPort } from '../lib/http-client.js';
import type { RaftDriver } from './driver.js';
import type { RaftLog } from './raft-log.js';
import { fromWire } from './wire.js';
import { NO_PEER_AUTH, type PeerAuthenticator } from './peer-auth.js';
import { RAFT_PREFIX } from './transport.js';

const MAX_BATCH_BODY = 256 << 20;

export interface RaftApiOptions {
  auth?: PeerAuthenticator;
  bench?: boolean;
}

export function raftApp(driver: RaftDriver, log: RaftLog, opts: RaftApiOptions = {}): Hono {
  const app = new Hono();
  const auth = opts.auth ?? NO_PEER_AUTH;
  const checkAuth = (c: Context, from: string): void => {
    if (!auth.verify(c.req.header(), from)) throw new TsmesosError('UNAUTHORIZED', 'peer authentication failed');
  };

  app.post(`${RAFT_PREFIX}/messages`, async (c) => {
    const body = (await readJsonBody(c, MAX_BATCH_BODY)) as { from?: unknown; messages?: unknown };
    const from = typeof body.from === 'string' ? body.from : '';
    checkAuth(c, from);
    if (!Array.isArray(body.messages)) throw new TsmesosError('BAD_REQUEST', 'expected {"from": ID, "messages": [...]}');
    let msgs;
    try {
      msgs = body.messages.map(fromWire);
    } catch (e) {
      throw new TsmesosError('BAD_REQUEST', `malformed raft message: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const m of msgs) if (m.from === from) driver.receive(m);
    return c.body(null, 204);
  });

  app.get(`${RAFT_PREFIX}/status`, (c) => c.json(driver.status()));

  app.post(`${RAFT_PREFIX}/members`, async (c) => {
    checkAuth(c, '');
    const body = (await readJsonBody(c, 4096)) as { action?: unknown; address?: unknown };
    const action = body.action;
    const address = typeof body.address === 'string' ? body.address.trim() : '';
    const hp = parseHostPort(address);
    if ((action !== 'add' && action !== 'remove') || !hp) {
      throw new TsmesosError('BAD_REQUEST', 'expected {"action": "add"|"remove", "address": "IP:PORT"}');
    }
    const redirect = redirectToLeader(c, driver);
    if (redirect) return redirect;
    const node = `${hp.host}:${hp.port}`;
    const index = await driver.proposeConfChange({ type: action === 'add' ? 'addLearner' : 'remove', node });
    const s = driver.status();
    return c.json({ index, voters: s.voters, learners: s.learners });
  });

  if (opts.bench) {
    app.post(`${RAFT_PREFIX}/bench/propose`, async (c) => {
      const redirect = redirectToLeader(c, driver);
      if (redirect) return redirect;
      const index = await log.propose({ type: 'NOOP' });
      return c.json({ index });
    });
  }
  return app;
}

function redirectToLeader(c: Context, driver: RaftDriver): Response | null {
  if (driver.isLeader()) return null;
  const lead = driver.leaderId();
  if (!lead) throw new TsmesosError('UNAVAILABLE', 'no leader is known right now; retry shortly');
  c.header('Location', `//${lead}${new URL(c.req.url).pathname}`);
  return c.json({ code: 'NOT_LEADER', message: `this master is not the leader; the leader is ${lead}` }, 307);
}
