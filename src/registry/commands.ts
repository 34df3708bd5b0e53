import { APPLY_CASES, type RegistryCommand } from './modules.js';

// Every change to replicated state is one of these tagged commands, declared by the registry's
// modules (modules.ts). Time travels inside the command (`at`), so apply never reads the clock.
export type { RegistryCommand } from './modules.js';
export type { AgentRecord } from './agents-table.js';
export type { FrameworkRecord } from './frameworks-table.js';
export type { AgentMaintenanceRecord, AgentDrainRecord } from './agent-maintenance-table.js';
export type { MachineKey, MaintenanceRecord, MaintenanceWindowRecord } from './maintenance-table.js';

export type RegistryCommandType = RegistryCommand['type'];

export function encodeCommand(cmd: RegistryCommand): string {
  return JSON.stringify(cmd);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A command as the payload of a Raft entry (UTF-8 JSON; the on-disk format of every data dir). */
export function encodeCommandBytes(cmd: RegistryCommand): Uint8Array {
  return encoder.encode(encodeCommand(cmd));
}

/** Entries come from our own log; an unknown type means a newer binary wrote it, which we must not silently skip. */
export function decodeCommand(text: string): RegistryCommand {
  const parsed = JSON.parse(text) as { type?: unknown };
  if (typeof parsed.type !== 'string' || !APPLY_CASES.has(parsed.type)) {
    throw new Error(`registry: unknown command type ${String(parsed.type)}; was this log written by a newer tsmesos?`);
  }
  return parsed as RegistryCommand;
}

export function decodeCommandBytes(bytes: Uint8Array): RegistryCommand {
  return decodeCommand(decoder.decode(bytes));
}
