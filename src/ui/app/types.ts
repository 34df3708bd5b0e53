// The parts of the public JSON documents the UI reads (Mesos legacy shapes; tsmesos Raft status).

export type ResourceMap = Record<string, number | string>;

export interface LegacyTask {
  id: string;
  name: string;
  framework_id: string;
  executor_id: string;
  slave_id: string;
  state: string;
  resources: ResourceMap;
  role?: string;
  statuses: { state: string; timestamp: number }[];
}

export interface LegacyFramework {
  id: string;
  name: string;
  user: string;
  role?: string;
  roles?: string[];
  principal?: string;
  hostname: string;
  webui_url: string;
  capabilities: string[];
  active: boolean;
  connected: boolean;
  recovered: boolean;
  registered_time: number;
  unregistered_time: number;
  used_resources: ResourceMap;
  offered_resources: ResourceMap;
  tasks: LegacyTask[];
  completed_tasks: LegacyTask[];
  offers: unknown[];
}

export interface LegacyAgent {
  id: string;
  hostname: string;
  port: number;
  pid: string;
  attributes: Record<string, string | number>;
  registered_time: number;
  reregistered_time?: number;
  resources: ResourceMap;
  used_resources: ResourceMap;
  offered_resources: ResourceMap;
  active: boolean;
  deactivated: boolean;
  /** DRAIN_AGENT's state, while draining or drained. */
  drain_info?: { state: 'DRAINING' | 'DRAINED'; config: { max_grace_period?: { nanoseconds: number }; mark_gone?: boolean } };
  version: string;
}

export interface MasterState {
  version: string;
  tsmesos_version?: string;
  start_time: number;
  elected_time?: number;
  id: string;
  pid: string;
  hostname: string;
  leader?: string;
  leader_info?: { hostname: string; port: number; address?: { ip: string; port: number } };
  activated_slaves: number;
  deactivated_slaves: number;
  unreachable_slaves: number;
  slaves: LegacyAgent[];
  recovered_slaves: { id: string; hostname: string; port: number; resources: ResourceMap }[];
  frameworks: LegacyFramework[];
  completed_frameworks: LegacyFramework[];
}

export interface RaftStatus {
  id: string;
  role: string;
  term: number;
  lead: string;
  commit: number;
  applied: number;
  lastIndex: number;
  voters: string[];
  learners: string[];
  progress?: { id: string; match: number; next: number; state: string }[];
}

export interface AgentExecutor {
  id: string;
  directory: string;
  tasks: { id: string }[];
  completed_tasks: { id: string }[];
}

export interface AgentFramework {
  id: string;
  executors: AgentExecutor[];
  completed_executors: AgentExecutor[];
}

export interface AgentState {
  id: string;
  hostname: string;
  frameworks: AgentFramework[];
  completed_frameworks: AgentFramework[];
}

export interface BrowseEntry {
  path: string;
  size: number;
  mtime: number;
  mode: string;
  uid: string;
  gid: string;
}

/** GET /tsmesos/v1/usage. */
export interface UsageHistory {
  interval_ms: number;
  window_ms: number;
  samples: { at: number; agents: number; resources: Record<string, { used: number; total: number } | undefined> }[];
}

/** GET /tsmesos/v1/tokens. */
export interface JoinTokenListing {
  id: string;
  role: string;
  createdAt: number;
  expiresAt: number;
  maxUses: number | null;
  uses: number;
  revokedAt: number | null;
}

export type AclEntity = { values: string[] } | { type: 'ANY' | 'NONE' };

/** GET /tsmesos/v1/acls. */
export interface AclsView {
  acls: ({ permissive: boolean } & Record<string, boolean | Record<string, AclEntity>[]>) | null;
  authenticate_frameworks: boolean;
  authenticate_http_readwrite: boolean;
  principals: { name: string; createdAt: number }[];
}
