import type { OperatorEvent } from '../wire/operator.js';
import type { MasterContext } from './context.js';
import type { MasterEvent } from './events.js';
import { agentMessage, frameworkMessage, taskMessage } from './operator-views.js';

/**
 * A master event as the operator API's Event (master.proto), or null when operators are not
 * told: offers, disconnections, elections, and statuses of tasks the master does not hold
 * (refused launches, reconciliation answers), as in Mesos.
 */
export function operatorEventOf(ctx: MasterContext, e: MasterEvent): OperatorEvent | null {
  switch (e.type) {
    case 'TASK_ADDED': {
      const t = ctx.state.frameworks.get(e.frameworkId)?.tasks.get(e.taskId);
      return t ? { type: 'TASK_ADDED', task_added: { task: taskMessage(t) } } : null;
    }
    case 'TASK_UPDATED': {
      // A framework being removed is no longer listed: the kills of its tasks are told.
      const fw = ctx.state.frameworks.get(e.frameworkId);
      const known = fw === undefined ? e.status.reason === 'REASON_FRAMEWORK_REMOVED' : fw.tasks.has(e.status.task_id.value);
      if (!known || e.status.reason === 'REASON_RECONCILIATION') return null;
      return { type: 'TASK_UPDATED', task_updated: { framework_id: { value: e.frameworkId }, status: e.status, state: e.state } };
    }
    case 'AGENT_ADDED': {
      const a = ctx.state.agents.get(e.agentId);
      return a ? { type: 'AGENT_ADDED', agent_added: { agent: agentMessage(ctx, a) } } : null;
    }
    // Mesos sends AGENT_REMOVED both when an agent is marked unreachable and when it is removed.
    case 'AGENT_UNREACHABLE':
    case 'AGENT_REMOVED':
      return { type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: e.agentId } } };
    case 'FRAMEWORK_ADDED':
    case 'FRAMEWORK_UPDATED': {
      const fw = ctx.state.frameworks.get(e.frameworkId);
      if (!fw) return null;
      return e.type === 'FRAMEWORK_ADDED'
        ? { type: 'FRAMEWORK_ADDED', framework_added: { framework: frameworkMessage(ctx, fw) } }
        : { type: 'FRAMEWORK_UPDATED', framework_updated: { framework: frameworkMessage(ctx, fw) } };
    }
    case 'FRAMEWORK_REMOVED': {
      const fw = ctx.state.completedFrameworks.findLast((f) => f.id === e.frameworkId);
      return fw ? { type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: fw.info } } : null;
    }
    default:
      return null;
  }
}
