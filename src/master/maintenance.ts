import { TsmesosError } from '../domain/errors.js';
import { isIPv4 } from '../domain/mesos.js';
import type { MachineKey, MaintenanceRecord, MaintenanceWindowRecord } from '../registry/commands.js';
import type { MasterContext } from './context.js';
import type { InverseOfferStatus, Unavailability } from './inverse-offers.js';

// Maintenance schedules (Mesos maintenance primitives, src/master/maintenance.cpp): machines in
// a window are DRAINING, START_MAINTENANCE takes them DOWN (their agents are removed and told to
// shut down, and none may register from there), STOP_MAINTENANCE brings them UP and out of the
// schedule. Each change goes to the registry first.
//
// Machines are named as in maintenance.proto (hostname, IP, or both). Two names are the same
// machine when both fields are equal (hostname case-insensitively), as in Mesos; an agent is on a
// machine when every field the name sets matches the agent's (Mesos needs both to match exactly,
// which an operator giving only a hostname would not expect).

export interface WireMachine { hostname?: string | undefined; ip?: string | undefined }
export interface WireWindow { machine_ids: WireMachine[]; unavailability: { start: { nanoseconds: number }; duration?: { nanoseconds: number } | undefined } }

const bad = (message: string): never => {
  throw new TsmesosError('BAD_REQUEST', message);
};

const show = (m: MachineKey): string => JSON.stringify({ ...(m.hostname !== undefined ? { hostname: m.hostname } : {}), ...(m.ip !== undefined ? { ip: m.ip } : {}) });
const sameMachine = (a: MachineKey, b: MachineKey): boolean => (a.hostname ?? '').toLowerCase() === (b.hostname ?? '').toLowerCase() && (a.ip ?? '') === (b.ip ?? '');
const keyOf = (m: WireMachine): MachineKey => ({
  ...(m.hostname !== undefined && m.hostname !== '' ? { hostname: m.hostname } : {}),
  ...(m.ip !== undefined && m.ip !== '' ? { ip: m.ip } : {}),
});

/** A machine name's fields (Mesos validation::machine): one at least, the IP an IPv4 address. */
function validMachine(m: WireMachine): MachineKey {
  const k = keyOf(m);
  if (k.hostname === undefined && k.ip === undefined) bad("Both 'hostname' and 'ip' for a machine are empty");
  if (k.ip !== undefined && !isIPv4(k.ip)) bad(`Failed to parse IP '${k.ip.slice(0, 64)}'`);
  return k;
}

/** A list of machines (Mesos validation::machines): not empty, each valid, none twice. */
function validMachines(list: readonly WireMachine[]): MachineKey[] {
  if (list.length === 0) bad('List of machines is empty');
  const out: MachineKey[] = [];
  for (const m of list) {
    const k = validMachine(m);
    if (out.some((x) => sameMachine(x, k))) bad(`Machine '${show(k)}' appears more than once in the schedule`);
    out.push(k);
  }
  return out;
}

export class Maintenance {
  private state: MaintenanceRecord = { windows: [], down: [] };

  constructor(
    private readonly ctx: MasterContext,
    /** Removes an agent whose machine went DOWN (its tasks gone, the agent told to shut down). */
    private readonly removeAgent: (agentId: string, why: string) => Promise<void>,
    /** Frameworks' answers to the inverse offers for an agent's current window. */
    private readonly statusesOf: (agentId: string) => readonly InverseOfferStatus[] = () => [],
  ) {}

  recover(): void {
    this.state = this.ctx.registry.maintenance();
  }

  schedule(): { windows: WireWindow[] } {
    return {
      windows: this.state.windows.map((w) => ({
        machine_ids: w.machines.map((m) => ({ ...m })),
        unavailability: { start: { nanoseconds: w.startNs }, ...(w.durationNs !== null ? { duration: { nanoseconds: w.durationNs } } : {}) },
      })),
    };
  }

  /**
   * GET_MAINTENANCE_STATUS: scheduled machines not DOWN are draining, each with the answers of
   * the frameworks asked to leave its agents (`statusesOf`, from the inverse offers).
   */
  status(): {
    draining_machines: { id: MachineKey; statuses: { status: InverseOfferStatus['status']; framework_id: { value: string }; timestamp: { nanoseconds: number } }[] }[];
    down_machines: MachineKey[];
  } {
    const draining = this.state.windows.flatMap((w) => w.machines).filter((m) => !this.isDownKey(m));
    const agents = [...this.ctx.state.agents.values()].sort((a, b) => (a.record.id < b.record.id ? -1 : 1));
    return {
      draining_machines: draining.map((id) => ({
        id: { ...id },
        statuses: agents
          .filter((a) => onMachine(id, a.record.hostname, a.record.ip))
          .flatMap((a) => this.statusesOf(a.record.id))
          .map((s) => ({ status: s.status, framework_id: { value: s.frameworkId }, timestamp: { nanoseconds: Math.round(s.at * 1e9) } })),
      })),
      down_machines: this.state.down.map((m) => ({ ...m })),
    };
  }

  /** The window of the machine an agent is on, while it is scheduled and not DOWN. */
  unavailabilityOf(hostname: string, ip: string): Unavailability | null {
    for (const w of this.state.windows) {
      const m = w.machines.find((k) => onMachine(k, hostname, ip));
      if (m !== undefined) return this.isDownKey(m) ? null : { startNs: w.startNs, durationNs: w.durationNs };
    }
    return null;
  }

  /** Whether an agent at (hostname, ip) is on a DOWN machine: it may not register. */
  isDown(hostname: string, ip: string): boolean {
    return this.state.down.some((m) => onMachine(m, hostname, ip));
  }

  /** UPDATE_MAINTENANCE_SCHEDULE (Mesos validation::schedule): the whole schedule, replaced. */
  async updateSchedule(windows: readonly WireWindow[]): Promise<void> {
    const next: MaintenanceWindowRecord[] = [];
    const seen: MachineKey[] = [];
    for (const w of windows) {
      if (w.machine_ids.length === 0) bad('List of machines in the maintenance window is empty');
      const durationNs = w.unavailability.duration?.nanoseconds ?? null;
      if (durationNs !== null && durationNs < 0) bad("Unavailability 'duration' is negative");
      const machines: MachineKey[] = [];
      for (const m of w.machine_ids) {
        const k = validMachine(m);
        if (seen.some((x) => sameMachine(x, k))) bad(`Machine '${show(k)}' appears more than once in the schedule`);
        seen.push(k);
        machines.push(k);
      }
      next.push({ machines, startNs: w.unavailability.start.nanoseconds, durationNs });
    }
    for (const d of this.state.down) {
      if (!seen.some((x) => sameMachine(x, d))) bad(`Machine '${show(d)}' is deactivated and cannot be removed from the schedule`);
    }
    await this.persist({ windows: next, down: this.state.down });
  }

  /** START_MAINTENANCE: scheduled (DRAINING) machines go DOWN; their agents are removed. */
  async start(list: readonly WireMachine[]): Promise<void> {
    const machines = validMachines(list);
    for (const m of machines) {
      if (!this.isScheduled(m)) bad(`Machine '${show(m)}' is not part of a maintenance schedule`);
      if (this.isDownKey(m)) bad(`Machine '${show(m)}' is not in DRAINING mode and cannot be brought down`);
    }
    await this.persist({ windows: this.state.windows, down: [...this.state.down, ...machines] });
    const victims = [...this.ctx.state.agents.values()]
      .filter((a) => machines.some((m) => onMachine(m, a.record.hostname, a.record.ip)))
      .map((a) => a.record.id)
      .sort();
    for (const id of victims) await this.removeAgent(id, "Operator initiated 'Machine DOWN'");
  }

  /** STOP_MAINTENANCE: DOWN machines come UP and leave the schedule (empty windows go too). */
  async stop(list: readonly WireMachine[]): Promise<void> {
    const machines = validMachines(list);
    for (const m of machines) {
      if (!this.isScheduled(m)) bad(`Machine '${show(m)}' is not part of a maintenance schedule`);
      if (!this.isDownKey(m)) bad(`Machine '${show(m)}' is not in DOWN mode and cannot be brought up`);
    }
    const up = (k: MachineKey): boolean => machines.some((m) => sameMachine(m, k));
    const windows = this.state.windows.map((w) => ({ ...w, machines: w.machines.filter((k) => !up(k)) })).filter((w) => w.machines.length > 0);
    await this.persist({ windows, down: this.state.down.filter((k) => !up(k)) });
  }

  private isScheduled(m: MachineKey): boolean {
    return this.state.windows.some((w) => w.machines.some((k) => sameMachine(k, m)));
  }

  private isDownKey(m: MachineKey): boolean {
    return this.state.down.some((k) => sameMachine(k, m));
  }

  private async persist(next: MaintenanceRecord): Promise<void> {
    await this.ctx.log.propose({ type: 'SET_MAINTENANCE', maintenance: next });
    this.state = next;
    // Offers and inverse offers follow the new schedule at once.
    this.ctx.requestAllocation();
  }
}

function onMachine(m: MachineKey, hostname: string, ip: string): boolean {
  return (m.hostname === undefined || m.hostname.toLowerCase() === hostname.toLowerCase()) && (m.ip === undefined || m.ip === ip);
}
