import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Scheduler as SchedulerType } from 'mesos-framework';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startAllInOne, tempDir, type Proc } from '../helpers/process.js';

// Conformance: a published Mesos v1 HTTP scheduler client from npm, mesos-framework 0.5.3 (tobilg; written
// against the Mesos .proto files, JSON over POST /api/v1/scheduler), drives a real `up --role all` node
// (the built executable, or the source with TSMESOS_TEST_FROM_SOURCE=1): SUBSCRIBE, OFFERS, ACCEPT with a
// LAUNCH of command tasks, ACKNOWLEDGE (the library acknowledges every update that carries a uuid),
// TASK_RUNNING and TASK_FINISHED, explicit and implicit RECONCILE, TEARDOWN.
//
// The library does the protocol work with its own default handlers; the test only wraps them to keep a
// copy of each event as it came off the wire, and taps the library's request function to keep a copy of
// each call it sends, so that a failure shows the exact JSON both ways. Expectations are those of Apache
// Mesos 1.11 (include/mesos/v1/scheduler/scheduler.proto, include/mesos/v1/mesos.proto, src/master/master.cpp).

const require = createRequire(import.meta.url);
const mf = require('mesos-framework') as typeof import('mesos-framework');
type DefaultHandler = (this: SchedulerType, payload: unknown) => void;
const defaultHandlers = require('mesos-framework/lib/schedulerHandlers') as Record<string, DefaultHandler>;
const libHelpers = require('mesos-framework/lib/helpers') as { doRequest: (this: SchedulerType, payload: unknown, cb: (err: unknown, res: unknown) => void) => void };

interface Status {
  task_id: { value: string };
  agent_id?: { value: string };
  executor_id?: { value?: string };
  state: string;
  source?: string;
  reason?: string;
  message?: string;
  uuid?: string;
}

const FRAMEWORK = 'conformance-mesos-framework';
const TERMINAL = ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE'];

describe('conformance: mesos-framework 0.5.3 (npm) drives a real node', () => {
  const dataDir = tempDir('tsmesos-conformance-');
  const logDir = tempDir('tsmesos-conformance-log-');
  let proc: Proc | undefined;
  let master = '';
  let scheduler: SchedulerType | undefined;

  // What went over the wire, in order, as the library saw it.
  const wire: { dir: 'call' | 'event'; json: unknown }[] = [];
  const events: { type: string; payload: unknown }[] = [];
  const errors: string[] = [];
  const calls: Record<string, unknown>[] = [];
  const sent: string[] = []; // 'sent_accept', 'sent_acknowledge', ... (a 202 from the master)
  const originalDoRequest = libHelpers.doRequest;

  const statuses = (): Status[] => events.filter((e) => e.type === 'UPDATE').map((e) => (e.payload as { status: Status }).status);
  const diagnostics = (): string => {
    const log = fs.readdirSync(logDir).map((f) => fs.readFileSync(path.join(logDir, f), 'utf8')).join('').split('\n').slice(-60).join('\n');
    return [
      `errors: ${JSON.stringify(errors, null, 1)}`,
      `wire:\n${wire.map((w) => `${w.dir === 'call' ? '-> ' : '<- '}${JSON.stringify(w.json)}`).join('\n')}`,
      `library log (tail):\n${log}`,
      `tsmesos output (tail):\n${proc?.output().split('\n').slice(-40).join('\n') ?? ''}`,
    ].join('\n\n');
  };
  /** Waits for what the library received (polls the recorded events; no sleeps); fails at once on a library error. */
  const until = async <T>(what: string, f: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await f();
      if (v !== undefined) return v;
      const why = errors.length > 0 ? `the library reported errors: ${errors.join(' | ')}` : Date.now() > deadline ? `timed out after ${timeoutMs} ms` : undefined;
      if (why !== undefined) throw new Error(`waiting for ${what}: ${why}\n\n${diagnostics()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  beforeAll(async () => {
    const node = await startAllInOne(dataDir, ['--resources', 'cpus:2;mem:1024;disk:1024;ports:[31000-31010]']);
    proc = node.proc;
    master = node.master;
  });

  afterAll(async () => {
    libHelpers.doRequest = originalDoRequest;
    if (scheduler) {
      // No reconnection attempts once we are done, and no socket left open.
      scheduler.subscribe = () => undefined;
      const req = scheduler.httpRequest;
      if ('destroy' in req && typeof req.destroy === 'function') req.destroy();
    }
    if (proc) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc?.kill('SIGKILL'), 5_000);
      await proc.exited;
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(logDir, { recursive: true, force: true });
  });

  it('subscribes, launches, acknowledges, reconciles and tears down through the library', async () => {
    libHelpers.doRequest = function (this: SchedulerType, payload, cb) {
      const json = JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;
      calls.push(json);
      wire.push({ dir: 'call', json });
      originalDoRequest.call(this, payload, cb);
    };
    // Each handler keeps a copy of the event payload as received, then runs the library's own handler.
    const recording = (type: string): ((payload: unknown) => void) =>
      function (this: SchedulerType, payload: unknown) {
        const copy = structuredClone(payload);
        events.push({ type, payload: copy });
        wire.push({ dir: 'event', json: { type, [type.toLowerCase()]: copy } });
        defaultHandlers[type]!.call(this, payload);
      };

    const Mesos = mf.Mesos.getMesos();
    const s = new mf.Scheduler({
      masterUrl: '127.0.0.1',
      port: Number(new URL(master).port),
      frameworkName: FRAMEWORK,
      user: os.userInfo().username,
      restartStates: [], // a failed task must fail the test, not be relaunched
      masterConnectionTimeout: 120, // the library's default (10 s) is shorter than Mesos's 15 s heartbeat
      logging: { path: logDir, fileName: 'mesos-framework.log', level: 'info' },
      tasks: {
        hello: { priority: 1, instances: 1, commandInfo: new Mesos.CommandInfo(null, null, true, 'echo hi', null, null), resources: { cpus: 0.1, mem: 32, disk: 0, ports: 0 } },
        sleeper: { priority: 2, instances: 1, commandInfo: new Mesos.CommandInfo(null, null, true, 'sleep 300', null, null), resources: { cpus: 0.1, mem: 32, disk: 0, ports: 0 } },
      },
      handlers: { SUBSCRIBED: recording('SUBSCRIBED'), OFFERS: recording('OFFERS'), UPDATE: recording('UPDATE'), RESCIND: recording('RESCIND'), ERROR: recording('ERROR') },
    });
    scheduler = s;
    s.logger.remove('console'); // the library's log goes to logDir only (shown on failure)
    s.on('error', (e: unknown) => {
      const msg = typeof e === 'string' ? e : e instanceof Error ? e.message : JSON.stringify(e);
      if (msg.includes('Long-running connection was closed')) events.push({ type: '(stream closed)', payload: null });
      else errors.push(msg);
    });
    for (const t of ['sent_accept', 'sent_decline', 'sent_acknowledge', 'sent_reconcile', 'sent_teardown']) s.on(t, () => sent.push(t));
    await new Promise<void>((resolve) => s.once('ready', () => resolve()));

    // SUBSCRIBE: a new framework id from this master, a stream id, Mesos's master_info.
    s.subscribe();
    await until('SUBSCRIBED', () => events.find((e) => e.type === 'SUBSCRIBED'));
    const sub = { frameworkId: s.frameworkId ?? '', mesosStreamId: s.mesosStreamId ?? '' };
    expect(sub.frameworkId).toMatch(/^[0-9a-f-]{36}-0000$/);
    expect(sub.mesosStreamId).toMatch(/^[0-9a-f-]{36}$/);
    const subscribed = events.find((e) => e.type === 'SUBSCRIBED')!.payload as { framework_id: { value: string }; heartbeat_interval_seconds?: number; master_info?: { id: string; version?: string; address?: { port: number } } };
    expect(subscribed.framework_id.value).toBe(sub.frameworkId);
    expect(subscribed.heartbeat_interval_seconds).toBe(15);
    expect(subscribed.master_info?.address?.port).toBe(Number(new URL(master).port));
    expect(subscribed.master_info?.version, 'master_info.version is a Mesos version').toMatch(/^1\.\d+\.\d+/);

    // OFFERS: Event.Offers is a message, so the offer array is event.offers.offers; the library launches
    // its first pending task from it (ACCEPT + LAUNCH) and, having skipped the second while iterating,
    // launches that one from a later offer.
    const firstOffers = await until('OFFERS', () => events.find((e) => e.type === 'OFFERS')?.payload as { offers: { agent_id: { value: string } }[] } | undefined);
    const agentId = firstOffers.offers[0]!.agent_id.value;
    await until('the ACCEPT to be answered 202', () => (sent.includes('sent_accept') ? true : undefined));
    const accept = calls.find((c) => c['type'] === 'ACCEPT')!;
    expect(accept).toMatchObject({ framework_id: { value: sub.frameworkId }, accept: { operations: [{ type: 'LAUNCH' }] } });

    // UPDATEs for `echo hi`: (TASK_STARTING,) TASK_RUNNING, TASK_FINISHED, each with a uuid the library
    // acknowledges; the master withholds the next update until the previous one is acknowledged.
    const isHello = (st: Status): boolean => st.task_id.value.startsWith(`${FRAMEWORK}.hello-1.`);
    const isSleeper = (st: Status): boolean => st.task_id.value.startsWith(`${FRAMEWORK}.sleeper-1.`);
    await until('hello: TASK_FINISHED', () => statuses().find((st) => isHello(st) && TERMINAL.includes(st.state)));
    const hello = statuses().filter(isHello);
    expect(hello.map((st) => st.state).filter((x) => x !== 'TASK_STARTING')).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    const helloId = hello[0]!.task_id.value;
    for (const st of hello) {
      expect(st.uuid, `${st.state} carries a uuid`).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(st.agent_id?.value).toBe(agentId);
      // Updates from the command executor name it: its ExecutorID is the task's id.
      expect(st.executor_id === undefined || st.executor_id.value === helloId, `executor_id ${JSON.stringify(st.executor_id)}`).toBe(true);
    }
    // Every uuid was acknowledged, and the master took the acknowledgement of the terminal update:
    // the task moved to the framework's completed tasks.
    await until('an ACKNOWLEDGE for each hello update', () => {
      const acked = calls.filter((c) => c['type'] === 'ACKNOWLEDGE').map((c) => (c['acknowledge'] as { uuid: string }).uuid);
      return hello.every((st) => acked.includes(st.uuid!)) ? true : undefined;
    });
    await until('hello among the completed tasks', async () => {
      const st = (await getJson(`${master}/master/state`)).body as { frameworks: { id: string; completed_tasks: { id: string; state: string }[] }[] };
      return st.frameworks.find((f) => f.id === sub.frameworkId)?.completed_tasks.find((t) => t.id === helloId && t.state === 'TASK_FINISHED');
    });

    // The second task comes from a later offer and stays running.
    await until('sleeper: TASK_RUNNING', () => statuses().find((st) => isSleeper(st) && st.state === 'TASK_RUNNING'), 20_000);
    const sleeperId = statuses().find(isSleeper)!.task_id.value;
    expect(statuses().filter(isSleeper).map((st) => st.state).filter((x) => x !== 'TASK_STARTING')).toEqual(['TASK_RUNNING']);

    const reconciliations = (pred: (st: Status) => boolean): Status[] => statuses().filter((st) => pred(st) && st.reason === 'REASON_RECONCILIATION');
    const expectMasterReconciliation = (st: Status): void => {
      expect(st.source).toBe('SOURCE_MASTER');
      expect(st.uuid, 'reconciliation updates are not sent reliably: no uuid').toBeUndefined();
      expect(st.executor_id === undefined || (st.executor_id.value ?? '') !== '', `executor_id ${JSON.stringify(st.executor_id)}`).toBe(true);
    };

    // Explicit RECONCILE of the finished, acknowledged task: the master no longer knows it and its agent
    // is registered, so Mesos answers TASK_LOST (TASK_GONE only for PARTITION_AWARE frameworks; this library
    // declares no capabilities).
    s.reconcile(helloId, agentId);
    const lost = await until('explicit reconciliation of hello', () => reconciliations(isHello)[0]);
    expect(lost.state).toBe('TASK_LOST');
    expect(lost.agent_id?.value).toBe(agentId);
    expectMasterReconciliation(lost);

    // Explicit RECONCILE of the running task: its latest state.
    s.reconcile(sleeperId, agentId);
    const running = await until('explicit reconciliation of sleeper', () => reconciliations(isSleeper)[0]);
    expect(running.state).toBe('TASK_RUNNING');
    expectMasterReconciliation(running);

    // Implicit RECONCILE (no tasks): the latest state of every task the master knows for the framework.
    s.reconcile();
    const implicit = await until('implicit reconciliation of sleeper', () => reconciliations(isSleeper)[1]);
    expect(implicit.state).toBe('TASK_RUNNING');
    expectMasterReconciliation(implicit);
    expect(calls.filter((c) => c['type'] === 'RECONCILE').map((c) => c['reconcile'])).toEqual([
      { tasks: [{ task_id: { value: helloId }, agent_id: { value: agentId } }] },
      { tasks: [{ task_id: { value: sleeperId }, agent_id: { value: agentId } }] },
      { tasks: [] },
    ]);
    expect(errors).toEqual([]);

    // TEARDOWN: 202, the master closes the subscription stream, kills the running task and moves the
    // framework to completed_frameworks.
    s.subscribe = () => undefined; // the library resubscribes when its stream ends; not after a teardown
    s.teardown();
    await until('TEARDOWN answered 202', () => (sent.includes('sent_teardown') ? true : undefined));
    await until('the subscription stream to close', () => events.find((e) => e.type === '(stream closed)'));
    const done = await until('the framework among the completed frameworks', async () => {
      const st = (await getJson(`${master}/master/state`)).body as { frameworks: { id: string }[]; completed_frameworks: { id: string; completed_tasks: { id: string; state: string }[] }[] };
      return st.frameworks.some((f) => f.id === sub.frameworkId) ? undefined : st.completed_frameworks.find((f) => f.id === sub.frameworkId);
    });
    expect(done.completed_tasks.find((t) => t.id === sleeperId)?.state).toBe('TASK_KILLED');
    expect(errors).toEqual([]);
    if (process.env['CONFORMANCE_WIRE'] === '1') console.log(diagnostics()); // the whole exchange, for wire-layer work
  }, 45_000);
});
