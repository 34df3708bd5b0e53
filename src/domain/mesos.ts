import type { Resource } from './resources.js';
import type { TaskState } from './task-state.js';
import type { Attribute } from './attributes.js';

// Wire shapes of the v1 JSON API that tsmesos produces (snake_case, as Mesos prints them).
export interface IdValue { value: string }

export interface FrameworkInfo {
  user: string;
  name: string;
  id?: IdValue;
  failover_timeout?: number;
  checkpoint?: boolean;
  role?: string;
  roles?: string[];
  hostname?: string;
  principal?: string;
  webui_url?: string;
  capabilities?: { type: string }[];
  labels?: { labels: { key: string; value?: string }[] };
}

export interface CommandInfo {
  shell: boolean;
  value: string;
  arguments: string[];
  environment: Record<string, string>;
}

export interface TaskInfo {
  name: string;
  task_id: IdValue;
  agent_id: IdValue;
  resources: Resource[];
  command: CommandInfo;
  kill_grace_period_ms: number;
  labels?: unknown;
}

export interface TaskStatus {
  task_id: IdValue;
  state: TaskState;
  message?: string;
  source: 'SOURCE_MASTER' | 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';
  reason?: string;
  agent_id?: IdValue;
  executor_id?: IdValue;
  timestamp: number;
  /** base64 of 16 random bytes; absent on master-generated updates (never acknowledged). */
  uuid?: string;
  unreachable_time?: { nanoseconds: number };
}

export interface AgentInfo {
  hostname: string;
  port: number;
  resources: Resource[];
  attributes: Attribute[];
  id?: IdValue;
}

export interface MasterInfo {
  id: string;
  ip: number;
  port: number;
  hostname: string;
  pid: string;
  version: string;
  address: { hostname: string; ip: string; port: number };
}

/** Route of the master <-> agent channel (ours; Mesos used libprocess messages). */
export const AGENT_CHANNEL_PATH = '/tsmesos/v1/agent';

/** Dotted-quad IPv4, each part 0-255. */
export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** Mesos packs IPv4 into a uint32 in network order read as little-endian host int. */
export function ipToMesosInt(ip: string): number {
  if (!isIPv4(ip)) return 0;
  const p = ip.split('.').map(Number);
  return ((p[3]! << 24) >>> 0) + (p[2]! << 16) + (p[1]! << 8) + p[0]!;
}
