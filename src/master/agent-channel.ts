import type { MasterContext } from './context.js';

// Master -> agent events travel on the agent's subscription stream.
export type AgentEvent =
  | { type: 'SUBSCRIBED'; subscribed: { agent_id: { value: string }; heartbeat_interval_seconds: number; master_info: unknown } }
  | { type: 'LAUNCH'; launch: { framework_id: { value: string }; framework_info: unknown; task: unknown } }
  | { type: 'KILL'; kill: { framework_id: { value: string }; task_id: { value: string }; grace_period_ms?: number } }
  | { type: 'ACKNOWLEDGED'; acknowledged: { framework_id: { value: string }; task_id: { value: string }; uuid: string } }
  | { type: 'SHUTDOWN_FRAMEWORK'; shutdown_framework: { framework_id: { value: string } } }
  | { type: 'SHUTDOWN'; shutdown: { message: string } }
  | { type: 'HEARTBEAT' };

/** Sends if the agent is connected; false otherwise (the agent reconciles on reregistration). */
export function sendToAgent(ctx: MasterContext, agentId: string, event: AgentEvent): boolean {
  const conn = ctx.state.agents.get(agentId)?.connection;
  return conn ? conn.send(event) : false;
}
