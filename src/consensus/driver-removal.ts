// When a membership change has removed this node: it notices once the configuration at the
// end of its log leaves it out and is applied here, and remembers it in its data directory
// (raft_removed) so that it does not take part again after a restart.
import type Database from 'better-sqlite3';
import { isMember } from './core/conf.js';
import type { RaftNode } from './core/raft.js';
import type { NodeId } from './core/types.js';
import { markRemoved, removedAt } from './identity.js';

export class RemovalWatch {
  /** Was a member at some point (a joiner replaying the log from before it was added is not removed). */
  private wasMember: boolean;
  /** Index of the committed change that removed this node, once it did. */
  private index: number | undefined;

  constructor(private readonly id: NodeId, private readonly node: RaftNode, private readonly db: Database.Database) {
    this.wasMember = isMember(node.conf, id);
    const earlier = removedAt(db);
    if (earlier !== undefined && !this.wasMember) this.index = earlier;
  }

  get removedAt(): number | undefined {
    return this.index;
  }

  /** Call after each batch of Readies; returns the index of the change that has just removed this node, once. */
  check(): number | undefined {
    if (this.index !== undefined) return undefined;
    if (isMember(this.node.conf, this.id)) {
      this.wasMember = true;
      return undefined;
    }
    const confIndex = this.node.log.lastConfIndex();
    if (!this.wasMember || confIndex > this.node.log.applied) return undefined;
    this.index = confIndex;
    markRemoved(this.db, confIndex);
    return confIndex;
  }
}
