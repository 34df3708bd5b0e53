// What the composition roots are started with. Plain data and types only (no server code), so
// the CLI may import this module anywhere; the roles themselves only from `tsmesos up`.
import type { Resources } from '../domain/resources.js';
import type { Attribute } from '../domain/attributes.js';
import type { DomainInfo } from '../wire/fault-domain.js';
import type { LogLevel } from '../lib/log.js';
import type { ResourceQuantities } from '../domain/min-allocatable.js';
import type { Acls } from '../security/acls.js';
import type { RateLimits } from '../security/rate-limits.js';
import type { RemovalRate } from '../domain/removal-rate.js';

export const ROLES = ['master', 'agent', 'all'] as const;
export type Role = (typeof ROLES)[number];

/** --agent-tls: whether a master with a CA refuses plain-HTTP agents. */
export const AGENT_TLS_MODES = ['required', 'optional'] as const;
export type AgentTlsMode = (typeof AGENT_TLS_MODES)[number];

/** --api-tls: HTTPS for the API and UI; auto is on unless the master binds a loopback address. */
export const API_TLS_MODES = ['auto', 'on', 'off'] as const;
export type ApiTlsMode = (typeof API_TLS_MODES)[number];

/** Whether `ip` is a loopback address (127.0.0.0/8). */
export const isLoopbackIp = (ip: string): boolean => ip.startsWith('127.');

/** Whether the API and UI are served over HTTPS for this mode and bind address. */
export const apiTlsOn = (mode: ApiTlsMode, ip: string): boolean => (mode === 'auto' ? !isLoopbackIp(ip) : mode === 'on');

export const CONTAINERIZERS = ['posix', 'docker'] as const;
export type ContainerizerName = (typeof CONTAINERIZERS)[number];

/** How the posix containerizer isolates a resource: cgroups (limits + accounting) or posix (pidusage accounting only). */
export type IsolationMode = 'cgroups' | 'posix';
export interface IsolationConfig {
  cpu: IsolationMode;
  mem: IsolationMode;
}

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
  /** --agent-ping-timeout and --max-agent-ping-timeouts (Mesos's names and defaults, 15 s and 5). */
  agentPingTimeoutMs: number;
  maxAgentPingTimeouts: number;
  maxCompletedFrameworks: number;
  maxCompletedTasksPerFramework: number;
  /** --require-agent-domain: agents without a fault domain are refused. */
  requireAgentDomain: boolean;
  /** --agent-removal-rate-limit. */
  agentRemovalRate: RemovalRate | null;
  /** --offer-timeout; null: offers do not time out. */
  offerTimeoutMs: number | null;
  /** --min-allocatable-resources; null: Mesos's default cpus:0.01|mem:32. */
  minAllocatableResources: readonly ResourceQuantities[] | null;
  /** --services-role: the role the built-in services scheduler registers with. */
  servicesRole: string;
  /** --authenticate-frameworks / --authenticate-http-readwrite (master/all); absent: false. */
  authenticateFrameworks?: boolean;
  authenticateHttpReadwrite?: boolean;
  /** --authenticate-http-readonly (master/all): read-only endpoints need credentials too; absent: false. */
  authenticateHttpReadonly?: boolean;
  /** --auth-failure-limit (master/all): failed authentications in a row per source; 0: no limit; absent: 10. */
  authFailureLimit?: number;
  /** --rate-limits (master/all): Mesos's framework rate limits; absent: none. */
  rateLimits?: RateLimits | null;
  /** --api-tls (master/all); absent: auto. */
  apiTls?: ApiTlsMode;
  /** --acls (master/all); absent: everything allowed. */
  acls?: Acls | null;
  /** --agent-tls (master/all); absent: required. */
  agentTls?: AgentTlsMode;
  /** --marathon-port: the Marathon API on a port of its own too; 0: off. */
  marathonPort: number;
  /** The port was asked for (fail if taken); by default a taken port is only a warning. */
  marathonPortRequired: boolean;
  resources: Resources | null;
  attributes: Attribute[];
  /** --domain: this node's fault domain (master and agent), or null. */
  domain: DomainInfo | null;
  containerizers: ContainerizerName[];
  /** --isolation; null: cgroups/cpu,cgroups/mem where cgroups are writable, else posix/cpu,posix/mem. */
  isolation: IsolationConfig | null;
  /** Sandbox gc (Mesos --gc_delay, --gc_disk_headroom, --disk_watch_interval). */
  /** --switch-user: as root, posix tasks run as CommandInfo.user, else FrameworkInfo.user (Mesos's default: true). */
  switchUser: boolean;
  gcDelayMs: number;
  gcDiskHeadroom: number;
  diskWatchIntervalMs: number;
  logLevel: LogLevel;
  /** --log-dir: the log is also appended to DIR/tsmesos.log. */
  logDir: string | null;
  /** Flag values as given, for /flags and /master/state (strings, as Mesos prints them). */
  flagStrings: Record<string, string>;
  /**
   * An agent that joined with a token: the cluster CA and its certificate. It then reaches the
   * masters over mutual TLS. Absent: plain HTTP (`up --role agent --master`, as before tokens).
   */
  nodeTls?: { caPem: string; certPem: string; keyPem: string };
}

/** `--domain` (the flag parser lives in cli, which reaches the wire layer through roles only). */
export { parseDomain } from '../wire/fault-domain.js';
export type { DomainInfo };
