// Public surface of the consensus library: a pure Raft core, and a driver that replicates
// into any StateMachine kept in a SQLite database (ticks, HTTP peer transport, storage).
// It imports nothing of the master, registry, api, cli or roles (eslint.config.js LAYERS).
export * from './core/types.js';
export { RaftNode, EMPTY_STATE, type RaftConfig, type PersistedState, type RaftStatus } from './core/raft.js';
export { decodeConfChange, encodeConfChange, makeConf, type ConfChangeRecord } from './core/conf.js';
export { MemoryStorage, EMPTY_HARD_STATE, type Storage, type StorageUpdate } from './storage.js';
export { SqliteStorage } from './sqlite-storage.js';
export { entryPayload, type StateMachine } from './state-machine.js';
export { RaftDriver, type RaftDriverOptions, type DriverStatus, type DriverRole, type PeerProgress } from './driver.js';
export { HttpTransport, faultsFromEnv, type Transport, type TransportFaults, type HttpTransportOptions } from './transport.js';
export { raftApp, type RaftApiOptions } from './http-api.js';
export { NO_PEER_AUTH, type PeerAuthenticator } from './peer-auth.js';
export { rewriteAsSoleMember, type RecoverResult } from './recover.js';
