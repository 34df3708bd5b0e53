import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkKvHistory, UNKNOWN_RETURN, type KvOp } from '../consensus/linearizability.js';
import { freePort } from '../helpers/process.js';
import { MasterNode, heal, partition, requireIptables, servingLeader } from '../helpers/masters.js';
import { V1Scheduler } from '../helpers/v1-client.js';

// A client history against the replicated registry, checked for linearizability
// (Wing-Gong with memoization) across a kill -9 of the leader and its restart.
// Each framework is a register: a write re-subscribes it with FrameworkInfo.hostname = v
// (committed through Raft before SUBSCRIBED is sent); a read is GET /master/frameworks
// on whichever master currently leads, which must not serve a stale value.

const RUN_MS = 20_000;
const KEYS = 3;

describe('registry history is linearizable across a leader failover (multi-process)', () => {
  let masters: MasterNode[] = [];
  const ids: string[] = [];
  const names: string[] = [];
  const ops: KvOp[] = [];
  const t0 = performance.now();
  const now = (): number => performance.now() - t0;

  beforeAll(async () => {
    const port = await freePort('127.0.4.1');
    masters = [1, 2, 3].map((i) => new MasterNode(`127.0.4.${i}`, port));
    for (const m of masters) m.start(masters.map((x) => x.id));
    const leader = await servingLeader(masters, 30_000);
    for (let k = 0; k < KEYS; k++) {
      const s = new V1Scheduler(leader.url);
      const call = now();
      await s.subscribe({ user: 'u', name: `lin-${k}`, failover_timeout: 3600, hostname: 'v0' });
      ids.push(s.frameworkId);
      names.push(`lin-${k}`);
      ops.push({ kind: 'write', key: s.frameworkId, value: 'v0', call, ret: now() });
      s.close();
    }
  });

  afterAll(async () => {
    heal();
    await Promise.all(masters.map((m) => m.kill()));
  });

  /** The master claiming leadership in the highest term, or null (no leader right now). */
  async function leaderUrl(): Promise<string | null> {
    let best: { url: string; term: number } | null = null;
    for (const m of masters) {
      if (!m.proc) continue;
      const s = await m.status();
      if (s?.role === 'leader' && (!best || s.term > best.term)) best = { url: m.url, term: s.term };
    }
    return best?.url ?? null;
  }

  async function writer(w: number, deadline: number): Promise<void> {
    for (let n = 0; now() < deadline && n < 500; n++) {
      const k = (w + n) % KEYS;
      const url = await leaderUrl();
      if (!url) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const value = `w${w}-${n}`;
      const s = new V1Scheduler(url);
      const call = now();
      let ret = UNKNOWN_RETURN;
      try {
        const e = await Promise.race([
          s.subscribe({ user: 'u', name: names[k]!, failover_timeout: 3600, hostname: value, id: { value: ids[k]! } }),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000)),
        ]);
        if (e.type === 'SUBSCRIBED') ret = now();
      } catch {
        // outcome unknown: the write may or may not have been committed
      } finally {
        s.close();
      }
      ops.push({ kind: 'write', key: ids[k]!, value, call, ret });
    }
  }

  /** Reads from every live master in turn: followers redirect (no observation), any master that answers must be current. */
  async function reader(offset: number, deadline: number): Promise<void> {
    for (let n = 0; now() < deadline && n < 4000; n++) {
      const m = masters[(n + offset) % masters.length]!;
      if (!m.proc) continue;
      const url = m.url;
      const call = now();
      try {
        const res = await fetch(`${url}/master/frameworks`, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
        if (res.status !== 200) {
          await res.body?.cancel();
          await new Promise((r) => setTimeout(r, 5));
          continue; // a refused or redirected read observed nothing
        }
        const body = (await res.json()) as { frameworks: { id: string; hostname: string }[] };
        const ret = now();
        for (const id of ids) {
          const fw = body.frameworks.find((f) => f.id === id);
          if (fw) ops.push({ kind: 'read', key: id, value: fw.hostname, call, ret });
        }
      } catch {
        // timed out: no observation
      }
    }
  }

  it('holds for concurrent writers and readers while the leader is killed and restarted', async () => {
    const deadline = now() + RUN_MS;
    const faults = (async () => {
      await new Promise((r) => setTimeout(r, 2500));
      const leader = await servingLeader(masters);
      const peers = masters.map((m) => m.id);
      await leader.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 3000));
      leader.start(peers);
      requireIptables();
      // Then cut the (new) leader off: until check-quorum deposes it, it still believes it
      // leads, and only the read barrier keeps it from answering reads with stale values.
      await new Promise((r) => setTimeout(r, 3000));
      const cut = await servingLeader(masters);
      partition(cut.ip, masters.filter((m) => m !== cut).map((m) => m.ip));
      await new Promise((r) => setTimeout(r, 3500));
      heal();
      // Finally pause a leader (a long GC or VM stall): it wakes up believing it still leads.
      await new Promise((r) => setTimeout(r, 1500));
      const paused = await servingLeader(masters);
      paused.proc?.child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 2500));
      paused.proc?.child.kill('SIGCONT');
    })();
    await Promise.all([writer(0, deadline), writer(1, deadline), reader(0, deadline), reader(1, deadline), faults]);
    const writes = ops.filter((o) => o.kind === 'write');
    const reads = ops.filter((o) => o.kind === 'read');
    expect(writes.filter((o) => o.ret !== UNKNOWN_RETURN).length).toBeGreaterThan(10);
    expect(reads.length).toBeGreaterThan(30);
    console.log(`history: ${writes.length} writes (${writes.filter((o) => o.ret === UNKNOWN_RETURN).length} unknown), ${reads.length} reads`);
    expect(checkKvHistory(ops)).toEqual([]);
  });

  it('the checker is not vacuous: a stale read injected into the same history is caught', () => {
    const lastWrite = [...ops].reverse().find((o) => o.kind === 'write' && o.ret !== UNKNOWN_RETURN && o.value !== 'v0')!;
    const stale: KvOp = { kind: 'read', key: lastWrite.key, value: 'v0', call: lastWrite.ret + 1e6, ret: lastWrite.ret + 1e6 + 1 };
    expect(checkKvHistory([...ops, stale])).toEqual([lastWrite.key]);
  });
});
