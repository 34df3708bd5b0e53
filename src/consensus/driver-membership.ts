// Membership as the driver handles it: opening a data directory (its identity, bootstrapping
// a new cluster, adopting a pre-Raft state machine, joining an existing cluster), promoting
// learners once they have caught up, and reporting the members (status).
import type { NodeId, Role } from './core/types.js';
import type { PersistedState, RaftNode } from './core/raft.js';
import { isLearner, makeConf } from './core/conf.js';
import type { SqliteStorage } from './sqlite-storage.js';
import type { Logger } from '../lib/log.js';
import { TsmesosError } from '../domain/errors.js';
import { persistedConf, setIdentity, storedIdentity } from './identity.js';
import { rewriteAsSoleMember } from './recover.js';
import type { RaftDriverOptions } from './driver.js';

export type DriverRole = Role | 'learner';

export interface PeerProgress { id: NodeId; match: number; next: number; state: string }

export interface DriverStatus {
  id: NodeId;
  role: DriverRole;
  term: number;
  lead: NodeId;
  commit: number;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  snapshotIndex: number;
  voters: readonly NodeId[];
  learners: readonly NodeId[];
  /** Leader only: how far each member's log matches ours. */
  progress?: PeerProgress[];
}

/** The Raft state this node restarts from, once the data directory is checked to be ours. */
export function loadPersisted(opts: RaftDriverOptions, storage: SqliteStorage): PersistedState {
  const sm = opts.stateMachine;
  let persisted: PersistedState = storage.load();
  const fresh = persisted.snapshot === null && persisted.entries.length === 0 && persisted.hardState.term === 0;
  const previousId = storedIdentity(sm.db);
  if (!fresh && previousId !== undefined && previousId !== opts.id) {
    const conf = persistedConf(persisted);
    if (conf.learners.length > 0 || conf.voters.length !== 1 || conf.voters[0] !== previousId) {
      throw new TsmesosError('BAD_REQUEST', `this data directory belongs to master ${previousId} of a ${conf.voters.length}-member cluster, not ${opts.id}: start it with that --ip/--port (or run \`tsmesos recover --force-new-cluster\`)`);
    }
    // The sole member moved (new --ip/--port): nobody else can hold a quorum, so re-address it.
    opts.logger.info('sole master changed address; rewriting membership', { from: previousId, to: opts.id });
    rewriteAsSoleMember(sm, storage, opts.id);
    persisted = storage.load();
  }
  setIdentity(sm.db, opts.id);
  if (fresh && sm.appliedIndex() > 0) {
    if (opts.bootstrapVoters.length > 0) {
      // State written before Raft (the registry's single-voter log): adopt it as the initial snapshot.
      const applied = sm.appliedIndex();
      opts.logger.info('adopting the existing registry as the initial Raft snapshot', { index: applied });
      storage.save({
        snapshot: { index: applied, term: 1, confState: makeConf(opts.bootstrapVoters), data: sm.snapshot() },
        hardState: { term: 1, vote: '', commit: applied },
        entries: [],
      });
      persisted = storage.load();
    } else {
      // Joining: everything comes from the leader; stale local state would shadow it.
      sm.restore(new Uint8Array(), 0);
    }
  }
  if (persisted.snapshot && persisted.snapshot.index > sm.appliedIndex()) {
    // Crash between persisting a snapshot and restoring it (cannot happen with the single
    // transaction in driver-persist.ts, but cheap to handle).
    sm.restore(persisted.snapshot.data, persisted.snapshot.index);
  }
  return persisted;
}

/** Learners added with `masters add` become voters once they have caught up. */
export function autoPromote(node: RaftNode, logger: Logger): void {
  const conf = node.conf;
  for (const l of conf.learners) {
    const pr = node.progress.get(l);
    if (pr && pr.match >= node.log.committed && node.log.lastConfIndex() <= node.log.committed) {
      const r = node.proposeConfChange({ type: 'promote', node: l });
      if (r.ok) logger.info('promoting caught-up learner', { node: l, index: r.index });
      return;
    }
  }
}

export function driverStatus(node: RaftNode, self: NodeId): DriverStatus {
  const s = node.status();
  const role: DriverRole = isLearner(s.conf, self) ? 'learner' : s.role;
  return {
    id: self, role, term: s.term, lead: s.lead, commit: s.commit, applied: s.applied,
    firstIndex: s.firstIndex, lastIndex: s.lastIndex, snapshotIndex: node.log.snapshot.index,
    voters: s.conf.voters, learners: s.conf.learners,
    ...(s.role === 'leader'
      ? {
          progress: [
            { id: self, match: s.lastIndex, next: s.lastIndex + 1, state: 'self' },
            ...[...node.progress.entries()].map(([id, p]) => ({ id, match: p.match, next: p.next, state: p.state })),
          ],
        }
      : {}),
  };
}
