// Public surface of the consensus module.
export * from './core/types.js';
export { RaftNode, EMPTY_STATE, type RaftConfig, type PersistedState, type RaftStatus } from './core/raft.js';
export { decodeConfChange, encodeConfChange, makeConf, type ConfChangeRecord } from './core/conf.js';
export { MemoryStorage, EMPTY_HARD_STATE, type Storage, type StorageUpdate } from './storage.js';
export { SqliteStorage } from './sqlite-storage.js';
