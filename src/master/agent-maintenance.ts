import { TsmesosError } from '../domain/errors.js';
import { isTerminal } from '../domain/task-state.js';
import type { AgentDrainRecord, AgentMaintenanceRecord } from '../registry/commands.js';
import type { MasterContext } from './context.js';
import type { OfferBook } from './offers.js';
import type { Tasks } from './tasks.js';
import type { AgentEntry } from './state.js';

/**
 * The operator's settings on agents (Mesos master/http.cpp deactivateAgent, reactivateAgent,
 * drainAgent; master.cpp checkAndTransitionDrainingAgent): each change goes to the registry
 * first, so a new leader keeps deactivated agents offer-less and draining ones draining.
 *
 * Draining here is driven by the master: it kills the agent's tasks itself (each with its kill
 * policy, capped by max_grace_period, as the Mesos agent does on DrainSlaveMessage), again on
 * reregistration, and the agent is DRAINED once no task on it is left running; with mark_gone it
 * is marked gone instead.
 */
export class AgentMaintenance {
  /** Agents whose DRAINED (or gone) transition is being proposed: one proposal each. */
  private readonly finishing = new Set<string>();

  constructor(
    private readonly ctx: MasterContext,
    private readonly own: Map<string, AgentEntry>,
    private readonly offers: OfferBook,
    private readonly tasks: Tasks,
    private readonly markGone: (agentId: string) => Promise<void>,
  ) {
    ctx.events.on((e) => {
      if (e.type !== 'TASK_UPDATED' || !isTerminal(e.state)) return;
      const agentId = e.status.agent_id?.value;
      if (agentId !== undefined) this.checkDrained(agentId);
    });
  }

  /** After a restart or failover: the registry's settings onto the recovered agents. */
  recover(): void {
    for (const [id, m] of this.ctx.registry.agentMaintenance()) {
      const a = this.own.get(id);
      if (!a) continue;
      a.deactivated = m.deactivated;
      a.drain = m.drain;
    }
  }

  /** DEACTIVATE_AGENT: no offers (outstanding ones rescinded), tasks keep running. */
  async deactivate(agentId: string): Promise<void> {
    const a = this.known(agentId);
    if (a.deactivated) return;
    await this.persist(agentId, { deactivated: true, drain: a.drain });
    a.deactivated = true;
    this.ctx.logger.info('agent deactivated by the operator', { agent: agentId });
    this.offers.rescind((o) => o.agentId === agentId);
  }

  /** REACTIVATE_AGENT: offers again; refused while it is still DRAINING (Mesos). */
  async reactivate(agentId: string): Promise<void> {
    const a = this.known(agentId);
    if (!a.deactivated) throw new TsmesosError('BAD_REQUEST', 'Agent is not deactivated');
    if (a.drain?.state === 'DRAINING') throw new TsmesosError('BAD_REQUEST', 'Agent is still in the DRAINING state');
    await this.persist(agentId, { deactivated: false, drain: null });
    a.deactivated = false;
    a.drain = null;
    a.drainStartedAt = null;
    this.ctx.logger.info('agent reactivated by the operator', { agent: agentId });
    this.ctx.requestAllocation();
  }

  /** DRAIN_AGENT: deactivated, its tasks killed; DRAINED (or gone) when none is left running. */
  async drain(agentId: string, maxGracePeriodMs: number | null, markGone: boolean): Promise<void> {
    const a = this.known(agentId);
    const drain: AgentDrainRecord = { state: 'DRAINING', maxGracePeriodMs, markGone };
    await this.persist(agentId, { deactivated: true, drain });
    a.deactivated = true;
    a.drain = drain;
    a.drainStartedAt = this.ctx.clock.now();
    this.ctx.logger.info('draining agent', { agent: agentId, maxGracePeriodMs, markGone });
    this.offers.rescind((o) => o.agentId === agentId);
    this.killTasks(a);
    this.checkDrained(agentId);
  }

  /** A draining agent that comes back is told again (its kills may not have reached it). */
  agentReregistered(agentId: string): void {
    const a = this.own.get(agentId);
    if (a?.drain?.state !== 'DRAINING') return;
    if (a.drainStartedAt === null) a.drainStartedAt = this.ctx.clock.now();
    this.killTasks(a);
    this.checkDrained(agentId);
  }

  private killTasks(a: AgentEntry): void {
    this.tasks.killAllOnAgent(a.record.id, a.drain?.maxGracePeriodMs ?? null);
  }

  private checkDrained(agentId: string): void {
    const a = this.own.get(agentId);
    if (a?.drain?.state !== 'DRAINING' || this.finishing.has(agentId)) return;
    if (this.tasks.runningOnAgent(agentId) > 0) return;
    this.finishing.add(agentId);
    const drain = a.drain;
    const done = drain.markGone
      ? this.markGone(agentId).then(() => this.ctx.logger.info('drained agent marked gone', { agent: agentId }))
      : this.persist(agentId, { deactivated: true, drain: { ...drain, state: 'DRAINED' } }).then(() => {
          if (a.drain === drain) a.drain = { ...drain, state: 'DRAINED' };
          this.ctx.logger.info('agent drained', { agent: agentId });
        });
    done
      .catch((e: unknown) => this.ctx.logger.error('agent drain transition failed', { agent: agentId, error: e instanceof Error ? e.message : String(e) }))
      .finally(() => this.finishing.delete(agentId));
  }

  private known(agentId: string): AgentEntry {
    const a = this.own.get(agentId);
    if (!a) throw new TsmesosError('BAD_REQUEST', 'Unknown agent');
    return a;
  }

  private persist(agentId: string, maintenance: AgentMaintenanceRecord): Promise<void> {
    return this.ctx.log.propose({ type: 'SET_AGENT_MAINTENANCE', agentId, maintenance }).then(() => undefined);
  }
}
