import { Hono } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import type { Leadership } from '../master/leadership.js';
import type { Master } from '../master/master.js';
import type { FrameworkEntry } from '../master/state.js';
import { parseFrameworkInfo } from '../master/framework-info.js';
import { parseTaskIdentity } from '../master/task-info.js';
import { checkV1Headers, readJsonBody, streamContentHeaders } from './http-errors.js';
import { confirmedLeaderOrRedirect } from './leader-gate.js';
import { EventStream } from '../lib/event-stream.js';
import { arr, idValue, isObject, obj, oneOf, optArr, optIdValue, optNum, optObj, str } from './validate.js';

const CALL_TYPES = [
  'SUBSCRIBE', 'TEARDOWN', 'ACCEPT', 'DECLINE', 'ACCEPT_INVERSE_OFFERS', 'DECLINE_INVERSE_OFFERS', 'REVIVE', 'SUPPRESS',
  'KILL', 'SHUTDOWN', 'ACKNOWLEDGE', 'ACKNOWLEDGE_OPERATION_STATUS', 'RECONCILE', 'RECONCILE_OPERATIONS', 'MESSAGE',
  'REQUEST', 'UPDATE_FRAMEWORK',
] as const;
const OPERATION_TYPES = ['LAUNCH', 'LAUNCH_GROUP', 'RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY', 'GROW_VOLUME', 'SHRINK_VOLUME', 'CREATE_DISK', 'DESTROY_DISK'] as const;
export const SCHEDULER_MAX_BODY = 4 * 1024 * 1024;

/** `POST /api/v1/scheduler` (Mesos scheduler HTTP API, JSON). */
export function schedulerApp(leadership: Leadership): Hono {
  const app = new Hono();
  app.all('/api/v1/scheduler', async (c) => {
    if (c.req.method !== 'POST') throw new TsmesosError('METHOD_NOT_ALLOWED', 'the scheduler API accepts POST only');
    checkV1Headers(c);
    const call = obj(await readJsonBody(c, SCHEDULER_MAX_BODY), 'call');
    const type = oneOf(call['type'], 'type', CALL_TYPES);
    const gated = await confirmedLeaderOrRedirect(c, leadership);
    if (gated instanceof Response) return gated;
    const master = gated;
    const streamHeader = c.req.header('mesos-stream-id');
    if (type === 'SUBSCRIBE') {
      if (streamHeader !== undefined) throw new TsmesosError('BAD_REQUEST', 'SUBSCRIBE must not carry a Mesos-Stream-Id header');
      const sub = obj(call['subscribe'], 'subscribe');
      const callFrameworkId = optIdValue(call['framework_id'], 'framework_id');
      let info;
      try {
        info = parseFrameworkInfo(sub['framework_info']);
      } catch (e) {
        if (!(e instanceof TsmesosError)) throw e;
        // Mesos: an invalid FrameworkInfo is a 200 whose stream holds a single ERROR event.
        const stream = new EventStream();
        stream.send({ type: 'ERROR', error: { message: e.message } });
        stream.close();
        return new Response(stream.body, { status: 200, headers: { 'Content-Type': 'application/json' } });
      }
      if (callFrameworkId !== undefined && callFrameworkId !== info.id?.value) {
        throw new TsmesosError('BAD_REQUEST', "'framework_id' differs from 'subscribe.framework_info.id'");
      }
      const framing = streamContentHeaders(c.req.header('accept'), c.req.header('message-accept'));
      const { stream, streamId } = await master.frameworks.subscribe(info);
      return new Response(stream.body, {
        status: 200,
        headers: { ...framing, 'Mesos-Stream-Id': streamId, 'Cache-Control': 'no-cache' },
      });
    }
    const frameworkId = idValue(call['framework_id'], 'framework_id');
    const fw = master.frameworks.authorizeCall(frameworkId, streamHeader);
    if (type === 'UPDATE_FRAMEWORK') {
      // Synchronous in Mesos: 200 once applied, 400 when invalid.
      const upd = obj(call['update_framework'], 'update_framework');
      const info = parseFrameworkInfo(upd['framework_info']);
      const suppressed = upd['suppressed_roles'] === undefined ? undefined : arr(upd['suppressed_roles'], 'update_framework.suppressed_roles', 128).map((r, i) => str(r, `update_framework.suppressed_roles[${i}]`, 256));
      await master.frameworks.update(fw, info, suppressed);
      return c.body(null, 200);
    }
    await dispatch(master, fw, type, call);
    return c.body(null, 202);
  });
  return app;
}

async function dispatch(master: Master, fw: FrameworkEntry, type: (typeof CALL_TYPES)[number], call: Record<string, unknown>): Promise<void> {
  switch (type) {
    case 'TEARDOWN':
      await master.frameworks.remove(fw.id);
      return;
    case 'ACCEPT': {
      const accept = obj(call['accept'], 'accept');
      const offerIds = arr(accept['offer_ids'], 'accept.offer_ids', 1000).map((o, i) => idValue(o, `accept.offer_ids[${i}]`));
      const launches: { taskId: string; raw: unknown; where: string }[] = [];
      optArr(accept['operations'], 'accept.operations', 1000).forEach((op, i) => {
        const o = obj(op, `accept.operations[${i}]`);
        const opType = oneOf(o['type'], `accept.operations[${i}].type`, OPERATION_TYPES);
        if (opType !== 'LAUNCH') throw new TsmesosError('BAD_REQUEST', `accept.operations[${i}]: operation ${opType} is not supported yet`);
        const launch = obj(o['launch'], `accept.operations[${i}].launch`);
        arr(launch['task_infos'], `accept.operations[${i}].launch.task_infos`, 1000).forEach((t, j) => {
          const where = `accept.operations[${i}].launch.task_infos[${j}]`;
          launches.push({ taskId: parseTaskIdentity(t, where).taskId, raw: t, where });
        });
      });
      master.tasks.accept(fw, { offerIds, launches, refuseSeconds: refuseSeconds(accept['filters'], master) });
      return;
    }
    case 'DECLINE': {
      const decline = obj(call['decline'], 'decline');
      const ids = arr(decline['offer_ids'], 'decline.offer_ids', 1000).map((o, i) => idValue(o, `decline.offer_ids[${i}]`));
      const seconds = refuseSeconds(decline['filters'], master);
      for (const id of ids) {
        const offer = master.ctx.state.offers.get(id);
        if (!offer || offer.frameworkId !== fw.id) continue;
        master.offers.take(id);
        master.offers.decline(fw.id, offer.agentId, offer.resources, seconds);
      }
      return;
    }
    case 'REVIVE': {
      const roles = rolesOf(call['revive'], 'revive', fw);
      for (const r of roles) fw.suppressedRoles.delete(r);
      fw.filters = [];
      master.ctx.requestAllocation();
      return;
    }
    case 'SUPPRESS':
      for (const r of rolesOf(call['suppress'], 'suppress', fw)) fw.suppressedRoles.add(r);
      return;
    case 'ACKNOWLEDGE': {
      const ack = obj(call['acknowledge'], 'acknowledge');
      const agentId = idValue(ack['agent_id'], 'acknowledge.agent_id');
      const taskId = idValue(ack['task_id'], 'acknowledge.task_id');
      const uuid = str(ack['uuid'], 'acknowledge.uuid', 64);
      if (!/^[A-Za-z0-9+/]{22}==$/.test(uuid)) throw new TsmesosError('BAD_REQUEST', 'acknowledge.uuid: expected the base64 uuid of a status update');
      master.tasks.acknowledge(fw, agentId, taskId, uuid);
      return;
    }
    case 'KILL': {
      const kill = obj(call['kill'], 'kill');
      const taskId = idValue(kill['task_id'], 'kill.task_id');
      let graceMs: number | undefined;
      const policy = optObj(kill['kill_policy'], 'kill.kill_policy');
      if (policy && isObject(policy['grace_period'])) {
        const ns = optNum(policy['grace_period']['nanoseconds'], 'kill.kill_policy.grace_period.nanoseconds');
        if (ns !== undefined && ns >= 0) graceMs = ns / 1e6;
      }
      master.tasks.kill(fw, taskId, graceMs);
      return;
    }
    case 'RECONCILE': {
      const rec = optObj(call['reconcile'], 'reconcile');
      const tasks = optArr(rec?.['tasks'], 'reconcile.tasks', 100_000).map((t, i) => {
        const o = obj(t, `reconcile.tasks[${i}]`);
        const agentId = optIdValue(o['agent_id'], `reconcile.tasks[${i}].agent_id`);
        return { taskId: idValue(o['task_id'], `reconcile.tasks[${i}].task_id`), ...(agentId !== undefined ? { agentId } : {}) };
      });
      master.tasks.reconcile(fw, tasks);
      return;
    }
    case 'MESSAGE':
    case 'REQUEST':
    case 'ACCEPT_INVERSE_OFFERS':
    case 'DECLINE_INVERSE_OFFERS':
    case 'ACKNOWLEDGE_OPERATION_STATUS':
    case 'RECONCILE_OPERATIONS':
      // Accepted and ignored, as the Mesos default allocator does for REQUEST; no
      // custom executors, inverse offers or operation feedback exist yet.
      return;
    case 'SHUTDOWN':
      throw new TsmesosError('BAD_REQUEST', 'SHUTDOWN applies to custom executors, which are not supported yet');
    case 'SUBSCRIBE':
    case 'UPDATE_FRAMEWORK':
      return; // handled before dispatch
  }
}

function refuseSeconds(filters: unknown, master: Master): number {
  const f = optObj(filters, 'filters');
  const s = optNum(f?.['refuse_seconds'], 'filters.refuse_seconds');
  return s === undefined || s < 0 ? master.ctx.timings.defaultRefuseSeconds : s;
}

function rolesOf(payload: unknown, where: string, fw: FrameworkEntry): string[] {
  const p = optObj(payload, where);
  const roles = optArr(p?.['roles'], `${where}.roles`, 128).map((r, i) => str(r, `${where}.roles[${i}]`, 256));
  return roles.length === 0 ? fw.roles : roles;
}
