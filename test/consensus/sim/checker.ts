// Raft safety invariants, checked as the simulation runs. Each throws with a description.
import type { RaftNode } from '../../../src/consensus/core/raft.js';
import type { Entry, NodeId, Snapshot } from '../../../src/consensus/core/types.js';
import { entryText } from './kv.js';

export class InvariantViolation extends Error {}

const content = (e: Entry): string => `${e.type}:${entryText(e)}`;

export class SafetyChecker {
  /** Election safety: term -> the one leader of that term. */
  private readonly leaders = new Map<number, NodeId>();
  /** Log matching: "index/term" -> content and previous term; identical wherever it appears. */
  private readonly entries = new Map<string, { content: string; prevTerm: number | undefined }>();
  /** State-machine safety: index -> "term/content" of the entry applied there. */
  private readonly applied = new Map<number, string>();
  private maxApplied = 0;
  /** Per node: last applied index, to check nodes apply a gap-free sequence. */
  private readonly appliedBy = new Map<NodeId, number>();
  /**
   * Index -> term of the leader that first committed it. Leader completeness binds leaders of
   * later terms only: a paused candidate may still win an older term after a newer term has
   * committed entries it lacks (it then cannot commit anything), which is no violation.
   */
  private readonly committedIn = new Map<number, number>();
  private maxCommitted = 0;
  /** Snapshot images by index: every node must produce the same image at the same index. */
  private readonly images = new Map<number, string>();

  checkLeader(node: RaftNode): void {
    if (node.role !== 'leader') return;
    const known = this.leaders.get(node.term);
    if (known === undefined) {
      this.leaders.set(node.term, node.id);
      this.checkLeaderCompleteness(node);
    } else if (known !== node.id) {
      throw new InvariantViolation(`election safety: ${known} and ${node.id} both lead term ${node.term}`);
    }
  }

  /** Call when a leader's commit index reaches `upTo` in `term`. */
  noteCommit(term: number, upTo: number): void {
    for (let i = this.maxCommitted + 1; i <= upTo; i++) this.committedIn.set(i, term);
    this.maxCommitted = Math.max(this.maxCommitted, upTo);
  }

  /** Every entry committed in an earlier term and applied anywhere must be in a new leader's log. */
  private checkLeaderCompleteness(node: RaftNode): void {
    const log = node.log;
    let required = this.maxApplied;
    while (required > 0 && (this.committedIn.get(required) ?? 0) >= node.term) required--;
    if (log.lastIndex() < required) {
      throw new InvariantViolation(`leader completeness: ${node.id} (term ${node.term}) ends at ${log.lastIndex()} < applied ${required}`);
    }
    for (let i = log.firstIndex(); i <= required; i++) {
      const e = log.entry(i)!;
      if (this.applied.get(i) !== `${e.term}/${content(e)}`) {
        throw new InvariantViolation(`leader completeness: ${node.id} (term ${node.term}) has a different entry at applied index ${i}`);
      }
    }
  }

  /** Call with the entries of a Ready before they are persisted. */
  checkNewEntries(node: RaftNode, ents: readonly Entry[]): void {
    for (const e of ents) {
      const key = `${e.index}/${e.term}`;
      const now = { content: content(e), prevTerm: node.log.term(e.index - 1) };
      const seen = this.entries.get(key);
      if (seen === undefined) {
        this.entries.set(key, now);
        continue;
      }
      // Same index and term => same entry, preceded by the same term (hence, inductively, same prefix).
      if (seen.content !== now.content || (seen.prevTerm !== undefined && now.prevTerm !== undefined && seen.prevTerm !== now.prevTerm)) {
        throw new InvariantViolation(`log matching: ${node.id} has ${JSON.stringify(now)} at ${key}, another node has ${JSON.stringify(seen)}`);
      }
      if (seen.prevTerm === undefined) seen.prevTerm = now.prevTerm;
    }
  }

  checkApply(id: NodeId, e: Entry): void {
    const last = this.appliedBy.get(id) ?? 0;
    if (e.index !== last + 1) throw new InvariantViolation(`${id} applied ${e.index} after ${last}`);
    this.appliedBy.set(id, e.index);
    const value = `${e.term}/${content(e)}`;
    const seen = this.applied.get(e.index);
    if (seen === undefined) {
      this.applied.set(e.index, value);
      this.maxApplied = Math.max(this.maxApplied, e.index);
    } else if (seen !== value) {
      throw new InvariantViolation(`state machine safety: ${id} applied ${value} at ${e.index}, another node applied ${seen}`);
    }
  }

  /** Vote safety on the wire: "term/voter" -> the one candidate that voter granted in that term. */
  private readonly votes = new Map<string, NodeId>();

  /** Call with every granted vote that leaves a node. */
  checkVoteGranted(voter: NodeId, term: number, candidate: NodeId): void {
    const key = `${term}/${voter}`;
    const seen = this.votes.get(key);
    if (seen === undefined) this.votes.set(key, candidate);
    else if (seen !== candidate) throw new InvariantViolation(`vote safety: ${voter} granted its term ${term} vote to ${seen} and to ${candidate}`);
  }

  /** A node restarted from its durable state with entries up to `applied` applied. */
  restarted(id: NodeId, applied: number): void {
    this.appliedBy.set(id, applied);
  }

  /** A node restarted from, or installed, a snapshot: its applied index jumps there. */
  resetApplied(id: NodeId, snap: Snapshot | null): void {
    this.appliedBy.set(id, snap?.index ?? 0);
    if (snap && snap.index > 0) this.checkImage(id, snap);
  }

  checkImage(id: NodeId, snap: Snapshot): void {
    const image = `${snap.term}/${entryTextOf(snap.data)}`;
    const seen = this.images.get(snap.index);
    if (seen === undefined) this.images.set(snap.index, image);
    else if (seen !== image) throw new InvariantViolation(`${id}: snapshot at ${snap.index} differs from another node's`);
  }

  appliedAt(index: number): string | undefined {
    return this.applied.get(index);
  }
}

const decoder = new TextDecoder();
const entryTextOf = (data: Uint8Array): string => decoder.decode(data);
