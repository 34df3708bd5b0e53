// Log compaction for the driver: when to image the state machine and when to let the core drop
// the log up to that image.
import type { RaftNode } from './core/raft.js';
import type { RaftDriverOptions } from './driver.js';

export class Compactor {
  /** State machine image taken at `index`, waiting for the tail to grow before compacting to it. */
  private pendingImage: { index: number; data: Uint8Array } | null = null;
  private readonly compactEvery: number;
  private readonly compactKeep: number;
  private lastImageAt: number;

  constructor(
    private readonly opts: RaftDriverOptions,
    private readonly node: RaftNode,
    private readonly schedule: () => void,
    lastImageAt: number,
  ) {
    this.compactEvery = opts.compactEvery ?? 10_000;
    this.compactKeep = Math.min(opts.compactKeep ?? 1_000, this.compactEvery);
    this.lastImageAt = lastImageAt;
  }

  /** The state machine was replaced by a snapshot from the leader at `index`: images start again from there. */
  snapshotInstalled(index: number): void {
    this.lastImageAt = index;
    this.pendingImage = null;
  }

  /**
   * The state machine can only be imaged at its current applied index, so an image is taken
   * every `compactEvery` entries and the log is compacted up to it `compactKeep` entries
   * later: followers slightly behind still catch up from the log, not a snapshot.
   */
  maybeCompact(): void {
    const log = this.node.log;
    if (this.pendingImage && log.applied >= this.pendingImage.index + this.compactKeep) {
      const img = this.pendingImage;
      this.pendingImage = null;
      if (img.index > log.snapshot.index && img.index <= log.stableIndex) {
        const r = this.node.compact(img.index, img.data);
        if (r.ok) this.opts.logger.debug('compacted the raft log', { index: img.index });
        this.schedule();
      }
    }
    if (!this.pendingImage && log.applied - this.lastImageAt >= this.compactEvery) {
      this.pendingImage = { index: log.applied, data: this.opts.stateMachine.snapshot() };
      this.lastImageAt = log.applied;
    }
  }
}
