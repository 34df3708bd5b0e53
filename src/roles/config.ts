// What the composition roots are started with. Plain data and types only (no server code), so
// the CLI may import this module anywhere; the roles themselves only from `tsmesos up`.
import type { Resources } from '../domain/resources.js';
import type { Attribute } from '../domain/attributes.js';
import type { LogLevel } from '../lib/log.js';

export const ROLES = ['master', 'agent', 'all'] as const;
export type Role = (typeof ROLES)[number];

export const CONTAINERIZERS = ['posix', 'docker'] as const;
export type ContainerizerName = (typeof CONTAINERIZERS)[number];

/** Everything a role needs to start; the CLI parses it once from flags, environment and config file (src/cli/up-config.ts). */
export interface RoleConfig {
  role: Role;
  dataDir: string;
  ip: string;
  /** Master port (master/all). */
  masterPort: number;
  /** Agent port (agent/all). */
  agentPort: number;
  hostname: string;
  masters: { host: string; port: number }[];
  /** Initial Raft voters (`ip:port`) of a new master cluster; [] = a one-member cluster. */
  peers: string[];
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  agentReregisterTimeoutMs: number;
  resources: Resources | null;
  attributes: Attribute[];
  containerizers: ContainerizerName[];
  logLevel: LogLevel;
  /** Flag values as given, for /flags and /master/state (strings, as Mesos prints them). */
  flagStrings: Record<string, string>;
}
