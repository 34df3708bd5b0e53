import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Resources, roleError } from '../domain/resources.js';
import { parseAttributes, type Attribute } from '../domain/attributes.js';
import { parseDomain, type DomainInfo } from '../roles/config.js';
import { LOG_LEVELS, type LogLevel } from '../lib/log.js';
import { parseHostPort } from '../lib/http-client.js';
import { isIPv4 } from '../domain/mesos.js';
import { parseAcls, type Acls } from '../security/acls.js';
import { parseRateLimits, type RateLimits } from '../security/rate-limits.js';
import { parseMinAllocatable, type ResourceQuantities } from '../domain/min-allocatable.js';
import { AGENT_TLS_MODES, API_TLS_MODES, CONTAINERIZERS, type ApiTlsMode, ROLES, type AgentTlsMode, type ContainerizerName, type IsolationConfig, type Role } from '../roles/config.js';
import { parseMesosDuration } from '../domain/mesos-duration.js';
import { parseRemovalRate, type RemovalRate } from '../domain/removal-rate.js';

// Flags as data: name, help, value parser. Every flag is also read from
// TSMESOS_<NAME> and from the --config file; flags win over env, env over file.

/**
 * A bad flag value: `head` names the flag and value (`invalid --port 'x'`), `detail` what it accepts.
 * `from(source)` says where the value came from, so a bad TSMESOS_* variable or config key is found.
 */
export class FlagError extends Error {
  constructor(readonly head: string, readonly detail?: string) {
    super(detail === undefined ? head : `${head}: ${detail}`);
  }
  from(source: string): FlagError {
    return new FlagError(`${this.head} (${source})`, this.detail);
  }
}

export interface FlagSpec<T> {
  name: string;
  help: string;
  placeholder: string;
  parse(raw: string): T;
}

const fail = (flag: string, raw: string, accepted: string): never => {
  throw new FlagError(`invalid --${flag} '${raw.slice(0, 80)}'`, accepted);
};

/** The containerizers this build can run. */
export const AVAILABLE_CONTAINERIZERS: readonly ContainerizerName[] = ['posix', 'docker'];

const ISOLATORS: Readonly<Record<string, Partial<IsolationConfig>>> = {
  'cgroups/cpu': { cpu: 'cgroups' }, 'cgroups/mem': { mem: 'cgroups' }, 'cgroups/all': { cpu: 'cgroups', mem: 'cgroups' },
  'posix/cpu': { cpu: 'posix' }, 'posix/mem': { mem: 'posix' },
};

/** Mesos --isolation for the posix containerizer: each resource at most once; one not named is posix. */
function parseIsolation(raw: string): IsolationConfig {
  const accepted = 'expected a list of cgroups/cpu, cgroups/mem, cgroups/all, posix/cpu, posix/mem';
  const chosen: Partial<IsolationConfig> = {};
  for (const name of raw.split(',').map((s) => s.trim())) {
    const isolator = ISOLATORS[name] ?? fail('isolation', raw, accepted);
    for (const [resource, mode] of Object.entries(isolator) as [keyof IsolationConfig, IsolationConfig['cpu']][]) {
      if (chosen[resource] !== undefined) fail('isolation', raw, `isolates ${resource} twice`);
      chosen[resource] = mode;
    }
  }
  return { cpu: chosen.cpu ?? 'posix', mem: chosen.mem ?? 'posix' };
}

export function ipv4(flag: string) {
  return (raw: string): string => {
    return isIPv4(raw) ? raw : fail(flag, raw, 'expected an IPv4 address such as 127.0.0.1');
  };
}

export function port(flag: string) {
  return (raw: string): number => {
    const n = Number(raw);
    return /^\d+$/.test(raw) && n >= 1 && n <= 65535 ? n : fail(flag, raw, 'expected a port number 1-65535');
  };
}

export function boolFlag(flag: string) {
  return (raw: string): boolean => (raw === 'true' ? true : raw === 'false' ? false : fail(flag, raw, 'expected true or false'));
}

/** Mesos durations: 100ms, 1secs, 2mins... (also s, m, h). */
export function duration(flag: string) {
  return (raw: string): number => {
    const ms = parseMesosDuration(raw);
    if (ms === null) return fail(flag, raw, 'expected a duration such as 100ms, 1secs or 2mins');
    return ms > 0 ? ms : fail(flag, raw, 'must be greater than zero');
  };
}

export const FLAGS = {
  role: { name: 'role', placeholder: 'ROLE', help: 'master, agent or all (master and agent in one process)', parse: (raw: string): Role => ((ROLES as readonly string[]).includes(raw) ? (raw as Role) : fail('role', raw, 'expected one of master, agent, all')) },
  dataDir: { name: 'data-dir', placeholder: 'DIR', help: 'state directory (default /var/lib/tsmesos as root, else $XDG_DATA_HOME/tsmesos)', parse: (raw: string): string => (raw.length > 0 && !raw.includes('\0') ? path.resolve(raw) : fail('data-dir', raw, 'expected a directory path')) },
  ip: { name: 'ip', placeholder: 'ADDR', help: 'address to listen on and to connect from (default 127.0.0.1 for all)', parse: ipv4('ip') },
  port: { name: 'port', placeholder: 'N', help: "the master's port for master/all (5050), the agent's for agent (5051)", parse: port('port') },
  agentPort: { name: 'agent-port', placeholder: 'N', help: "the agent's port with --role all (default 5051)", parse: port('agent-port') },
  hostname: { name: 'hostname', placeholder: 'NAME', help: 'hostname to advertise (default: the system hostname)', parse: (raw: string): string => (/^[A-Za-z0-9.-]{1,253}$/.test(raw) ? raw : fail('hostname', raw, 'expected a DNS name')) },
  master: {
    name: 'master', placeholder: 'HOST:PORT[,...]', help: 'master(s) an agent registers with',
    parse: (raw: string): { host: string; port: number }[] => {
      const list = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      const parsed = list.map((s) => parseHostPort(s.replace(/^https?:\/\//, '')) ?? fail('master', raw, 'expected HOST:PORT[,HOST:PORT...]'));
      return parsed.length > 0 ? parsed : fail('master', raw, 'expected HOST:PORT[,HOST:PORT...]');
    },
  },
  peers: {
    name: 'peers', placeholder: 'IP:PORT,...', help: 'masters of a new cluster, self included (they bootstrap over plain HTTP, then speak mutual TLS; a later master joins with `tsmesos join --role master <token>`); none: a one-member cluster',
    parse: (raw: string): string[] => {
      const list = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      const parsed = list.map((s) => parseHostPort(s) ?? fail('peers', raw, 'expected IP:PORT[,IP:PORT...]'));
      if (parsed.length === 0) fail('peers', raw, 'expected IP:PORT[,IP:PORT...]');
      const ids = parsed.map((p) => `${p.host}:${p.port}`);
      if (new Set(ids).size !== ids.length) fail('peers', raw, 'lists a master twice');
      return ids;
    },
  },
  heartbeatInterval: { name: 'heartbeat-interval', placeholder: 'DURATION', help: 'Raft heartbeat interval between masters (default 100ms)', parse: duration('heartbeat-interval') },
  agentReregisterTimeout: { name: 'agent-reregister-timeout', placeholder: 'DURATION', help: 'after a master failover, agents that have not reregistered within this are marked unreachable (default 10mins)', parse: duration('agent-reregister-timeout') },
  agentPingTimeout: { name: 'agent-ping-timeout', placeholder: 'DURATION', help: 'agents heartbeat three times per this; see --max-agent-ping-timeouts (default 15secs, as Mesos)', parse: duration('agent-ping-timeout') },
  maxAgentPingTimeouts: {
    name: 'max-agent-ping-timeouts', placeholder: 'N', help: "an agent silent for this many --agent-ping-timeout periods is disconnected (its tasks' fate follows the framework's checkpointing; default 5, as Mesos)",
    parse: (raw: string): number => (/^[1-9]\d{0,5}$/.test(raw.trim()) ? Number(raw.trim()) : fail('max-agent-ping-timeouts', raw, 'expected a whole number from 1 to 999999')),
  },
  maxCompletedFrameworks: {
    name: 'max-completed-frameworks', placeholder: 'N', help: 'completed frameworks the master keeps for its state endpoints (default 50, as Mesos)',
    parse: (raw: string): number => (/^\d{1,6}$/.test(raw.trim()) ? Number(raw.trim()) : fail('max-completed-frameworks', raw, 'expected a whole number from 0 to 999999')),
  },
  maxCompletedTasksPerFramework: {
    name: 'max-completed-tasks-per-framework', placeholder: 'N', help: 'completed tasks the master keeps per framework for its state endpoints (default 1000, as Mesos)',
    parse: (raw: string): number => (/^\d{1,7}$/.test(raw.trim()) ? Number(raw.trim()) : fail('max-completed-tasks-per-framework', raw, 'expected a whole number from 0 to 9999999')),
  },
  agentRemovalRateLimit: {
    name: 'agent-removal-rate-limit', placeholder: 'N/DURATION', help: 'at most N silent agents marked unreachable per DURATION, e.g. 1/10mins (Mesos --agent_removal_rate_limit; default: no limit)',
    parse: (raw: string): RemovalRate => {
      try {
        return parseRemovalRate(raw);
      } catch (e) {
        return fail('agent-removal-rate-limit', raw, e instanceof Error ? e.message : String(e));
      }
    },
  },
  requireAgentDomain: {
    name: 'require-agent-domain', placeholder: 'BOOL', help: "true: only agents with a --domain may register (needs the master's own --domain; Mesos --require_agent_domain; default false)",
    parse: boolFlag('require-agent-domain'),
  },
  offerTimeout: { name: 'offer-timeout', placeholder: 'DURATION', help: 'rescind offers a framework holds longer than this (default: offers do not time out)', parse: duration('offer-timeout') },
  minAllocatableResources: {
    name: 'min-allocatable-resources', placeholder: 'SPEC', help: "offer only what holds one of these sets, e.g. 'disk:1|cpus:1;mem:32' ('|' or, ';' and; default cpus:0.01|mem:32)",
    parse: (raw: string): ResourceQuantities[] => wrap('min-allocatable-resources', raw, () => parseMinAllocatable(raw)),
  },
  marathonPort: {
    name: 'marathon-port', placeholder: 'N', help: 'also serve the Marathon API (/v2, /ping) on this port, as Marathon does (default 8080, taken only if free; 0: off)',
    parse: (raw: string): number => (raw === '0' ? 0 : port('marathon-port')(raw)),
  },
  servicesRole: {
    name: 'services-role', placeholder: 'ROLE', help: "role of the built-in services scheduler (Marathon API under /v2; default '*')",
    parse: (raw: string): string => {
      const why = roleError(raw);
      return why === undefined ? raw : fail('services-role', raw, why);
    },
  },
  authenticateFrameworks: {
    name: 'authenticate-frameworks', placeholder: 'BOOL', help: 'true: the scheduler API takes only authenticated frameworks (HTTP Basic or Bearer of a principal; Mesos --authenticate_frameworks; default false)',
    parse: boolFlag('authenticate-frameworks'),
  },
  authenticateHttpReadwrite: {
    name: 'authenticate-http-readwrite', placeholder: 'BOOL', help: 'true: requests that can change state (operator API, legacy and Marathon writes) need a principal\'s credentials (Mesos --authenticate_http_readwrite; default false)',
    parse: boolFlag('authenticate-http-readwrite'),
  },
  authenticateHttpReadonly: {
    name: 'authenticate-http-readonly', placeholder: 'BOOL', help: 'true: read-only requests (state, metrics, flags, Marathon reads; not /health and the UI files) need a principal\'s credentials too (Mesos --authenticate_http_readonly; default false)',
    parse: boolFlag('authenticate-http-readonly'),
  },
  authFailureLimit: {
    name: 'auth-failure-limit', placeholder: 'N', help: 'failed authentications (wrong secrets, tokens, join secrets) a source address may make in a row; then one per 6 s, 429 in between (default 10; 0: no limit)',
    parse: (raw: string): number => (/^\d{1,6}$/.test(raw.trim()) ? Number(raw.trim()) : fail('auth-failure-limit', raw, 'expected a whole number from 0 to 999999')),
  },
  rateLimits: {
    name: 'rate-limits', placeholder: 'FILE|JSON', help: 'framework rate limits in the Mesos format, e.g. \'{"limits":[{"principal":"fw1","qps":50,"capacity":100}],"aggregate_default_qps":100}\' (scheduler calls of authenticated principals; over: 429)',
    parse: (raw: string): RateLimits => wrap('rate-limits', raw, () => parseRateLimits(JSON.parse(raw.trimStart().startsWith('{') ? raw : readAclsFile(raw)) as unknown)),
  },
  apiTls: {
    name: 'api-tls', placeholder: 'MODE', help: 'HTTPS for the API and UI with the cluster certificate (plain HTTP requests get a 308 to https): auto (default: on unless --ip is loopback), on, or off (a warning at start off loopback)',
    parse: (raw: string): ApiTlsMode => ((API_TLS_MODES as readonly string[]).includes(raw) ? (raw as ApiTlsMode) : fail('api-tls', raw, 'expected auto, on or off')),
  },
  acls: {
    name: 'acls', placeholder: 'FILE|JSON', help: 'ACLs in the Mesos format (register_frameworks, run_tasks, teardown_frameworks, view_frameworks, view_tasks, view_flags, reserve_resources... see the README), a JSON file or inline JSON; once given, what they do not allow is denied unless "permissive": true',
    parse: (raw: string): Acls => wrap('acls', raw, () => parseAcls(JSON.parse(raw.trimStart().startsWith('{') ? raw : readAclsFile(raw)) as unknown)),
  },
  agentTls: {
    name: 'agent-tls', placeholder: 'MODE', help: "required (default): once the cluster has a CA, agents register only over mutual TLS (joined with a token); optional: plain-HTTP agents (`up --role agent --master`) are let in too",
    parse: (raw: string): AgentTlsMode => ((AGENT_TLS_MODES as readonly string[]).includes(raw) ? (raw as AgentTlsMode) : fail('agent-tls', raw, 'expected required or optional')),
  },
  electionTimeout: { name: 'election-timeout', placeholder: 'DURATION', help: 'Raft election timeout: a follower campaigns after 1-2x this without a leader (default 1secs)', parse: duration('election-timeout') },
  resources: { name: 'resources', placeholder: 'SPEC', help: "agent resources, Mesos syntax: 'cpus:2;mem:1024;ports:[31000-32000]' (the rest is detected)", parse: (raw: string): Resources => wrap('resources', raw, () => Resources.parse(raw)) },
  domain: {
    name: 'domain', placeholder: 'JSON', help: 'fault domain of this master or agent, as Mesos: \'{"fault_domain":{"region":{"name":"eu-1"},"zone":{"name":"eu-1a"}}}\' (agents in another region than the master are offered to REGION_AWARE frameworks only)',
    parse: (raw: string): DomainInfo => wrap('domain', raw, () => parseDomain(raw)),
  },
  attributes: { name: 'attributes', placeholder: 'SPEC', help: "agent attributes, Mesos syntax: 'rack:r1;zone:a'", parse: (raw: string): Attribute[] => wrap('attributes', raw, () => parseAttributes(raw)) },
  containerizers: {
    name: 'containerizers', placeholder: 'LIST', help: `containerizers to try in order, e.g. posix,docker (default posix; docker needs a Docker engine at /var/run/docker.sock)`,
    parse: (raw: string): ContainerizerName[] => {
      const list = raw.split(',').map((s) => s.trim());
      const accepted = `expected a list of ${AVAILABLE_CONTAINERIZERS.join(', ')}`;
      if (list.length === 0 || list.some((c) => !(CONTAINERIZERS as readonly string[]).includes(c))) fail('containerizers', raw, accepted);
      const missing = list.find((c) => !(AVAILABLE_CONTAINERIZERS as readonly string[]).includes(c));
      if (missing !== undefined) fail('containerizers', raw, `the ${missing} containerizer is not available in this build yet (${accepted})`);
      if (new Set(list).size !== list.length) fail('containerizers', raw, 'lists a containerizer twice');
      return list as ContainerizerName[];
    },
  },
  isolation: {
    name: 'isolation', placeholder: 'LIST', help: 'posix containerizer isolation: cgroups/cpu,cgroups/mem (limits from task resources; default where cgroups are writable) or posix/cpu,posix/mem (accounting only)',
    parse: parseIsolation,
  },
  switchUser: {
    name: 'switch-user', placeholder: 'BOOL',
    help: "true (default): an agent running as root runs each posix task as its CommandInfo.user, else its FrameworkInfo.user (the user must exist on the agent, else the task fails); false, or an agent not running as root: tasks run as the agent's user (Mesos --switch_user)",
    parse: boolFlag('switch-user'),
  },
  gcDelay: { name: 'gc-delay', placeholder: 'DURATION', help: "an ended task's sandbox is removed at the latest this long after it ended, sooner as the disk fills (Mesos --gc_delay; default 1weeks)", parse: duration('gc-delay') },
  gcDiskHeadroom: {
    name: 'gc-disk-headroom', placeholder: 'FRACTION', help: 'sandboxes older than gc-delay x max(0, 1 - this - disk usage) are removed at each disk check (Mesos --gc_disk_headroom, 0.0 to 1.0; default 0.1)',
    parse: (raw: string): number => {
      const n = /^\d*\.?\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
      return n >= 0 && n <= 1 ? n : fail('gc-disk-headroom', raw, 'expected a number from 0.0 to 1.0');
    },
  },
  diskWatchInterval: { name: 'disk-watch-interval', placeholder: 'DURATION', help: "how often the agent checks its work dir's disk usage and removes the sandboxes that became too old (Mesos --disk_watch_interval; default 1mins)", parse: duration('disk-watch-interval') },
  logDir: {
    name: 'log-dir', placeholder: 'DIR', help: 'also append the log to DIR/tsmesos.log; a master serves it as /master/log (READ_FILE, /files/read) (Mesos --log_dir; default: stderr only)',
    parse: (raw: string): string => (raw.length > 0 && !raw.includes('\0') ? path.resolve(raw) : fail('log-dir', raw, 'expected a directory path')),
  },
  logLevel: { name: 'log-level', placeholder: 'LEVEL', help: 'debug, info, warn or error (default info)', parse: (raw: string): LogLevel => ((LOG_LEVELS as readonly string[]).includes(raw) ? (raw as LogLevel) : fail('log-level', raw, 'expected one of debug, info, warn, error')) },
} as const;

const MAX_ACLS_FILE = 1 << 20;

function readAclsFile(file: string): string {
  const st = fs.statSync(file);
  if (!st.isFile()) throw new Error(`${file.slice(0, 200)} is not a regular file`);
  if (st.size > MAX_ACLS_FILE) throw new Error(`${file.slice(0, 200)} is larger than ${MAX_ACLS_FILE} bytes`);
  return fs.readFileSync(file, 'utf8');
}

function wrap<T>(flag: string, raw: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new FlagError(`invalid --${flag}`, e instanceof Error ? e.message : String(e));
  }
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.getuid?.() === 0) return '/var/lib/tsmesos';
  const xdg = env['XDG_DATA_HOME'];
  return path.join(xdg !== undefined && xdg.length > 0 ? xdg : path.join(os.homedir(), '.local', 'share'), 'tsmesos');
}
