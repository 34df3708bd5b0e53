import type { Resource } from '../domain/resources.js';
import type { Attribute } from '../domain/attributes.js';
import type { FrameworkInfo } from '../domain/mesos.js';

// Every change to replicated state is one of these tagged commands. Time travels
// inside the command (`at`), so apply never reads the clock.

export interface AgentRecord {
  id: string;
  hostname: string;
  ip: string;
  port: number;
  resources: Resource[];
  attributes: Attribute[];
  registeredAt: number;
}

export interface FrameworkRecord {
  id: string;
  info: FrameworkInfo;
  registeredAt: number;
}

export type RegistryCommand =
  | { type: 'ADMIT_AGENT'; agent: AgentRecord }
  | { type: 'UPDATE_AGENT'; agent: AgentRecord }
  | { type: 'REMOVE_AGENT'; agentId: string; at: number }
  /** Mesos MarkSlaveUnreachable / MarkSlaveReachable. */
  | { type: 'MARK_AGENT_UNREACHABLE'; agentId: string; at: number }
  | { type: 'MARK_AGENT_REACHABLE'; agentId: string }
  | { type: 'ADD_FRAMEWORK'; framework: FrameworkRecord }
  | { type: 'UPDATE_FRAMEWORK'; framework: FrameworkRecord }
  | { type: 'REMOVE_FRAMEWORK'; frameworkId: string; at: number }
  /** Raft no-op or a test marker: applies nothing but advances the applied index. */
  | { type: 'NOOP' };

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

const KNOWN: ReadonlySet<string> = new Set<RegistryCommandType>([
  'ADMIT_AGENT', 'UPDATE_AGENT', 'REMOVE_AGENT', 'MARK_AGENT_UNREACHABLE', 'MARK_AGENT_REACHABLE', 'ADD_FRAMEWORK', 'UPDATE_FRAMEWORK', 'REMOVE_FRAMEWORK', 'NOOP',
]);

/** Entries come from our own log; an unknown type means a newer binary wrote it, which we must not silently skip. */
export function decodeCommand(text: string): RegistryCommand {
  const parsed = JSON.parse(text) as { type?: unknown };
  if (typeof parsed.type !== 'string' || !KNOWN.has(parsed.type)) {
    throw new Error(`registry: unknown command type ${String(parsed.type)}; was this log written by a newer tsmesos?`);
  }
  return parsed as RegistryCommand;
}

export function decodeCommandBytes(bytes: Uint8Array): RegistryCommand {
  return decodeCommand(decoder.decode(bytes));
}
