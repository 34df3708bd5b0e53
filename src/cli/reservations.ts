import type { Command } from 'commander';
import { TsmesosError } from '../domain/errors.js';
import { Resources, roleError } from '../domain/resources.js';
import { CliFailure, operatorAction, runCommand, type MasterOptions } from './master-client.js';

// `tsmesos reserve|unreserve AGENT RESOURCES --role R`: thin clients of the operator API's
// RESERVE_RESOURCES / UNRESERVE_RESOURCES. Resources are written as unreserved amounts in the
// Mesos text syntax (`cpus:1;mem:256`); --role and --principal say whose reservation it is.

interface ReserveOptions extends MasterOptions {
  role: string;
  principal?: string;
}

/** The v1 JSON of `text` dynamically reserved for `role` (pre-refinement format: any Mesos reads it). */
export function reservationJson(text: string, role: string, principal: string | undefined): Record<string, unknown>[] {
  const why = role === '*' ? "'*' is the unreserved role; reserve for a named role" : roleError(role);
  if (why !== undefined) throw new CliFailure(`invalid --role '${role.slice(0, 80)}': ${why}`);
  let parsed: Resources;
  try {
    parsed = Resources.parse(text);
  } catch (e) {
    throw new CliFailure(e instanceof TsmesosError ? e.message : String(e));
  }
  if (parsed.isEmpty()) throw new CliFailure('no resources given: write them as cpus:1;mem:256');
  const list = parsed.toArray();
  const reserved = list.find((r) => r.role !== '*');
  if (reserved !== undefined) throw new CliFailure(`write unreserved amounts (cpus:1, not ${reserved.name}(${reserved.role}):...); --role names the role to reserve for`);
  return list.map(({ role: _unreserved, reservations: _none, ...value }) => ({ ...value, role, reservation: principal !== undefined ? { principal } : {} }));
}

export function registerReservations(program: Command, setExit: (code: number) => void): void {
  for (const [name, type, field, done] of [
    ['reserve', 'RESERVE_RESOURCES', 'reserve_resources', 'reserved'],
    ['unreserve', 'UNRESERVE_RESOURCES', 'unreserve_resources', 'unreserved'],
  ] as const) {
    program.command(`${name} <AGENT_ID> <RESOURCES>`)
      .description(name === 'reserve'
        ? 'reserve resources of an agent for a role (operator RESERVE_RESOURCES), e.g. reserve S0 \'cpus:1;mem:256\' --role eng'
        : 'give reserved resources back to the unreserved pool (operator UNRESERVE_RESOURCES)')
      .requiredOption('--role <ROLE>', 'the role the reservation is (or was made) for')
      .option('--principal <PRINCIPAL>', 'the principal recorded with the reservation (unreserve: the one it was made with)')
      .option('--master <URL>', 'master to ask (default http://127.0.0.1:5050, or TSMESOS_MASTER)')
      .action((agentId: string, text: string, opts: ReserveOptions) => runCommand(name, setExit, async () => {
        const resources = reservationJson(text, opts.role, opts.principal);
        await operatorAction(opts, { type, [field]: { agent_id: { value: agentId }, resources } }, 202);
        process.stdout.write(`${Resources.parse(text).toString()} ${done} for role ${opts.role} on agent ${agentId}\n`);
      }));
  }
}
