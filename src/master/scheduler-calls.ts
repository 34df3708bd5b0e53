import { TsmesosError } from '../domain/errors.js';
import type { Call } from '../wire/scheduler.js';
import type { FrameworkInfo } from '../wire/mesos.js';
import { gracePeriodMs } from '../wire/task.js';
import type { SchedulerStream } from '../wire/streams.js';
import type { Master } from './master.js';
import type { FrameworkEntry } from './state.js';
import { validateFrameworkInfo } from './framework-info.js';
import type { AcceptOperation } from './tasks.js';

// The master's scheduler-API call surface: the HTTP edge decodes a Call once and hands it
// here; every state change a scheduler call causes starts in this file.

const bad = (message: string): never => {
  throw new TsmesosError('BAD_REQUEST', message);
};

/** Payload of a call, or a 400 naming the missing field (Mesos: "Expecting 'accept' to be present"). */
function payload<K extends keyof Call>(call: Call, key: K): NonNullable<Call[K]> {
  const p = call[key];
  return p === undefined || p === null ? bad(`Expecting '${String(key)}' to be present`) : p;
}

export type SubscribeOutcome =
  | { ok: true; stream: SchedulerStream; streamId: string }
  /** Mesos answers an invalid FrameworkInfo with 200 and a stream holding one ERROR event. */
  | { ok: false; message: string };

export class SchedulerCalls {
  constructor(private readonly master: Master) {}

  async subscribe(call: Call): Promise<SubscribeOutcome> {
    const sub = payload(call, 'subscribe');
    let info: FrameworkInfo;
    try {
      info = validateFrameworkInfo(sub.framework_info);
    } catch (e) {
      if (!(e instanceof TsmesosError)) throw e;
      return { ok: false, message: e.message };
    }
    if (call.framework_id !== undefined && call.framework_id.value !== info.id?.value) {
      bad("'framework_id' differs from 'subscribe.framework_info.id'");
    }
    return { ok: true, ...(await this.master.frameworks.subscribe(info)) };
  }

  /** Stream id and subscription checks of a non-SUBSCRIBE call (Mesos: 400 / 403). */
  authorize(call: Call, streamId: string | undefined): FrameworkEntry {
    const id = call.framework_id?.value ?? bad("Expecting 'framework_id' to be present");
    return this.master.frameworks.authorizeCall(id, streamId);
  }

  async execute(fw: FrameworkEntry, call: Call): Promise<void> {
    const { master } = this;
    fw.metrics.call(call.type);
    switch (call.type) {
      case 'TEARDOWN':
        await master.frameworks.remove(fw.id);
        return;
      case 'UPDATE_FRAMEWORK': {
        const upd = payload(call, 'update_framework');
        const info = validateFrameworkInfo(upd.framework_info);
        // Mesos replaces the suppressed set with the list given (none listed: none suppressed).
        await master.frameworks.update(fw, info, upd.suppressed_roles);
        return;
      }
      case 'ACCEPT': {
        const accept = payload(call, 'accept');
        const operations = accept.operations.map((op, i): AcceptOperation => {
          const where = `accept.operations[${i}]`;
          if (op.type === undefined || op.type === 'UNKNOWN') bad(`${where}.type: required`);
          switch (op.type) {
            case 'LAUNCH': {
              const launch = op.launch ?? bad(`${where}: Expecting 'launch' to be present`);
              return { type: 'LAUNCH', launches: launch.task_infos.map((info, j) => ({ info, where: `${where}.launch.task_infos[${j}]` })) };
            }
            case 'RESERVE':
            case 'UNRESERVE': {
              // Mesos answers an operation id with UPDATE_OPERATION_STATUS events, which tsmesos does not send yet.
              if (op.id !== undefined) bad(`${where}.id: operation feedback is not supported yet; send ${op.type} without an id`);
              const body = op.type === 'RESERVE' ? op.reserve ?? bad(`${where}: Expecting 'reserve' to be present`) : op.unreserve ?? bad(`${where}: Expecting 'unreserve' to be present`);
              if (op.type === 'RESERVE' && (op.reserve?.source.length ?? 0) > 0) bad(`${where}.reserve.source: changing an existing reservation is not supported yet`);
              return { type: op.type, resources: body.resources, where };
            }
            default:
              return bad(`${where}: operation ${op.type} is not supported yet`);
          }
        });
        master.tasks.accept(fw, {
          offerIds: accept.offer_ids.map((o) => o.value),
          operations,
          refuseSeconds: this.refuseSeconds(accept.filters?.refuse_seconds),
        });
        return;
      }
      case 'DECLINE': {
        const decline = payload(call, 'decline');
        fw.metrics.offers('declined', master.offers.declineOffers(fw.id, decline.offer_ids.map((o) => o.value), this.refuseSeconds(decline.filters?.refuse_seconds)));
        return;
      }
      case 'REVIVE': {
        master.frameworks.revive(fw, call.revive?.roles ?? []);
        return;
      }
      case 'SUPPRESS':
        master.frameworks.suppress(fw, call.suppress?.roles ?? []);
        return;
      case 'ACKNOWLEDGE': {
        const ack = payload(call, 'acknowledge');
        if (!/^[A-Za-z0-9+/]{22}==$/.test(ack.uuid)) bad('acknowledge.uuid: expected the base64 uuid of a status update');
        master.tasks.acknowledge(fw, ack.agent_id.value, ack.task_id.value, ack.uuid);
        return;
      }
      case 'KILL': {
        const kill = payload(call, 'kill');
        master.tasks.kill(fw, kill.task_id.value, gracePeriodMs(kill.kill_policy, 'kill.kill_policy'));
        return;
      }
      case 'RECONCILE': {
        const tasks = (call.reconcile?.tasks ?? []).map((t) => ({ taskId: t.task_id.value, ...(t.agent_id ? { agentId: t.agent_id.value } : {}) }));
        master.tasks.reconcile(fw, tasks);
        return;
      }
      case 'ACCEPT_INVERSE_OFFERS': {
        const a = payload(call, 'accept_inverse_offers');
        master.inverseOffers.answer(fw, a.inverse_offer_ids.map((i) => i.value), 'ACCEPT', this.refuseSeconds(a.filters?.refuse_seconds));
        return;
      }
      case 'DECLINE_INVERSE_OFFERS': {
        const d = payload(call, 'decline_inverse_offers');
        master.inverseOffers.answer(fw, d.inverse_offer_ids.map((i) => i.value), 'DECLINE', this.refuseSeconds(d.filters?.refuse_seconds));
        return;
      }
      case 'MESSAGE':
      case 'REQUEST':
      case 'ACKNOWLEDGE_OPERATION_STATUS':
      case 'RECONCILE_OPERATIONS':
        // Accepted and ignored, as the Mesos default allocator does for REQUEST; no
        // custom executors or operation feedback exist yet.
        return;
      case 'SHUTDOWN': {
        const shutdown = payload(call, 'shutdown');
        master.tasks.shutdownExecutor(fw, shutdown.agent_id.value, shutdown.executor_id.value);
        return;
      }
      case 'SUBSCRIBE':
        bad('SUBSCRIBE is handled on its own connection');
        return;
      case 'UNKNOWN':
        bad("type: 'UNKNOWN' is not a call");
        return;
    }
  }

  private refuseSeconds(s: number | undefined): number {
    return s === undefined || s < 0 ? this.master.ctx.timings.defaultRefuseSeconds : s;
  }
}
