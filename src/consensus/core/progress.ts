// Leader-side view of one follower's replication (etcd's Progress + Inflights).

/**
 * probe: we do not know where the follower's log matches; send one append at a time.
 * replicate: matching found; stream appends optimistically up to the inflight window.
 * snapshot: an InstallSnapshot is in flight; pause until it is acknowledged or times out.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe state, one append is outstanding; cleared by any response or heartbeat ack. */
  probeSent = false;
  pendingSnapshot = 0;
  /** Ticks spent waiting for a snapshot ack; the snapshot is re-sent when this runs out. */
  snapshotTicks = 0;
  /** Heard from within the current election timeout (check-quorum). */
  recentActive = false;
  /** Last indices of appends in flight, oldest first (replicate state only). */
  private inflights: number[] = [];

  constructor(next: number, private readonly maxInflight: number) {
    this.next = next;
  }

  becomeProbe(): void {
    // After a snapshot, resume right after it; otherwise after the known match.
    this.next = this.state === 'snapshot' ? Math.max(this.match, this.pendingSnapshot) + 1 : this.match + 1;
    this.state = 'probe';
    this.reset();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.reset();
  }

  becomeSnapshot(index: number): void {
    this.state = 'snapshot';
    this.reset();
    this.pendingSnapshot = index;
  }

  private reset(): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.inflights = [];
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe': return this.probeSent;
      case 'replicate': return this.inflights.length >= this.maxInflight;
      case 'snapshot': return true;
    }
  }

  /** Records an append of `count` entries ending at `last` just sent. */
  sentEntries(last: number, count: number): void {
    if (this.state === 'replicate') {
      if (count === 0) return; // empty appends only carry the commit index
      this.next = last + 1;
      this.inflights.push(last);
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  /** A successful ack for `index`; returns false if it tells us nothing new. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      this.probeSent = false;
      updated = true;
    }
    this.next = Math.max(this.next, index + 1);
    while (this.inflights.length > 0 && this.inflights[0]! <= index) this.inflights.shift();
    return updated;
  }

  /**
   * A heartbeat ack while the window is full: an append may have been lost, so free one
   * slot; the next append then either succeeds or is rejected (gap) and we fall back to probe.
   */
  freeOneIfFull(): void {
    if (this.state === 'replicate' && this.inflights.length >= this.maxInflight) this.inflights.shift();
  }

  /**
   * A rejection of the append at `rejected`; `nextProbe` is where the follower's hint says
   * the logs may match. Returns false for stale rejections.
   */
  maybeDecrTo(rejected: number, nextProbe: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, nextProbe + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }
}
