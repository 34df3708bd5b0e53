import type { AgentEvent } from '../wire/agent-channel.js';
import type { MasterContext } from './context.js';

/** Sends if the agent is connected; false otherwise (the agent reconciles on reregistration). */
export function sendToAgent(ctx: MasterContext, agentId: string, event: AgentEvent): boolean {
  const conn = ctx.state.agents.get(agentId)?.connection;
  return conn ? conn.send(event) : false;
}
