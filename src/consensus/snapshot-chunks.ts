// Chunked snapshot transfer, the pure part: what the leader sends next to one follower, and
// how a follower assembles what arrives. No I/O, no clock of its own (times are passed in);
// the driver glue (driver-snapshots.ts) moves the chunks and keeps the staging file.
//
// Flow control: at most `window` chunks are unacknowledged at any time, so a transfer never
// queues more than window * chunkBytes ahead of the heartbeats that share the peer's stream.
// The follower acknowledges every chunk with the number of contiguous bytes it holds; a
// chunk beyond that (one was lost or overtaken) is refused with the same number, and the
// leader resumes from it. No acknowledgement for `retryMs` resumes from the last one too.
import type { NodeId, SnapshotChunk, SnapshotMeta } from './core/types.js';

export const DEFAULT_CHUNK_BYTES = 1 << 20;
export const DEFAULT_WINDOW = 4;
/** Larger images are refused by the follower (a hostile or corrupt `total`). */
export const MAX_SNAPSHOT_BYTES = 64 * 2 ** 30;

type SnapshotId = Pick<SnapshotMeta, 'index' | 'term'>;
export const sameSnapshot = (a: SnapshotId, b: SnapshotId): boolean => a.index === b.index && a.term === b.term;

export class ChunkSender {
  /** Contiguous bytes the follower acknowledged. */
  acked = 0;
  /** Next byte to send. */
  private sent = 0;
  private sentEmpty = false;
  private emptyAcked = false;
  private lastProgressAt: number;
  /** Where the last refusal sent us back to: later refusals naming the same point are echoes of it. */
  private resumedAt = -1;
  chunksSent = 0;

  constructor(
    readonly meta: SnapshotMeta,
    private readonly data: Uint8Array,
    private readonly chunkBytes: number,
    private readonly window: number,
    now: number,
  ) {
    if (chunkBytes < 1 || window < 1) throw new Error('chunkBytes and window must be positive');
    this.lastProgressAt = now;
  }

  get total(): number {
    return this.data.byteLength;
  }

  done(): boolean {
    return this.total > 0 ? this.acked >= this.total : this.emptyAcked;
  }

  /** The chunks that may go out now, in order (the window is then full or the image sent). */
  take(): SnapshotChunk[] {
    const out: SnapshotChunk[] = [];
    if (this.total === 0) {
      if (!this.sentEmpty) out.push({ meta: this.meta, total: 0, offset: 0, data: this.data });
      this.sentEmpty = true;
    }
    while (this.sent < this.total && this.sent - this.acked < this.window * this.chunkBytes) {
      const end = Math.min(this.total, this.sent + this.chunkBytes);
      out.push({ meta: this.meta, total: this.total, offset: this.sent, data: this.data.subarray(this.sent, end) });
      this.sent = end;
    }
    this.chunksSent += out.length;
    return out;
  }

  /**
   * The follower holds `held` contiguous bytes; `refused`: it dropped a chunk beyond them.
   * Returns whether the transfer advanced.
   */
  onAck(held: number, refused: boolean, now: number): boolean {
    if (held > this.total) return false; // not ours (hostile or confused): ignore
    if (refused && held < this.acked) {
      // It no longer holds what it acknowledged (it restarted, or staged another image; or
      // this is a stale refusal overtaken by later acks, and resending costs only bytes).
      this.acked = held;
      this.sent = held;
      this.resumedAt = held;
      this.lastProgressAt = now;
      return false;
    }
    let advanced = false;
    if (held > this.acked) {
      this.acked = held;
      this.lastProgressAt = now;
      advanced = true;
    }
    if (this.sent < this.acked) this.sent = this.acked; // equivalent as '<=': assigns an equal value
    // Here held == acked <= sent: go back to what the follower holds, once per refusal point.
    if (refused && held !== this.resumedAt) {
      this.sent = held;
      this.resumedAt = held;
    }
    if (this.total === 0 && !refused) {
      advanced ||= !this.emptyAcked;
      this.emptyAcked = true;
    }
    return advanced;
  }

  /** Nothing acknowledged for `retryMs`: a chunk or its ack was lost; resend from the last ack. */
  onTimer(now: number, retryMs: number): void {
    if (now - this.lastProgressAt >= retryMs) this.resume(now);
  }

  /** Sends again from the last acknowledged byte. */
  resume(now: number): void {
    this.lastProgressAt = now;
    this.sent = this.acked;
    this.resumedAt = -1;
    if (this.total === 0) this.sentEmpty = false;
  }
}

/** Where a follower keeps the bytes of an incoming snapshot until it is whole. */
export interface StagingFile {
  /** Starts an empty staging file, dropping any previous one. */
  reset(): void;
  write(offset: number, data: Uint8Array): void;
  /** The whole image; the staging file is gone afterwards. */
  take(): Uint8Array;
  discard(): void;
}

export type ReceiveResult =
  | { readonly kind: 'ack'; readonly held: number; readonly refused: boolean }
  | { readonly kind: 'complete'; readonly held: number; readonly data: Uint8Array }
  | { readonly kind: 'invalid'; readonly reason: string };

export class ChunkReceiver {
  private current: { from: NodeId; meta: SnapshotMeta; total: number; held: number } | null = null;
  /** The last image completed: a late duplicate of its first chunk must not start it again. */
  private completed: { from: NodeId; meta: SnapshotMeta; total: number } | null = null;

  constructor(private readonly file: StagingFile) {}

  /** The snapshot being assembled, if any. */
  get inProgress(): { from: NodeId; index: number; held: number; total: number } | null {
    const c = this.current;
    return c ? { from: c.from, index: c.meta.index, held: c.held, total: c.total } : null;
  }

  receive(from: NodeId, c: SnapshotChunk): ReceiveResult {
    // Equivalent without `c.total < 0`: the offset check below refuses every chunk of a negative image.
    if (!Number.isSafeInteger(c.total) || c.total < 0 || c.total > MAX_SNAPSHOT_BYTES) return { kind: 'invalid', reason: 'bad snapshot size' };
    if (!Number.isSafeInteger(c.offset) || c.offset < 0 || c.offset + c.data.byteLength > c.total) {
      return { kind: 'invalid', reason: 'chunk outside the snapshot' };
    }
    const done = this.completed;
    if (!this.current && done && done.from === from && sameSnapshot(done.meta, c.meta) && done.total === c.total) {
      return { kind: 'ack', held: c.total, refused: false };
    }
    let cur = this.current;
    if (!cur || cur.from !== from || !sameSnapshot(cur.meta, c.meta) || cur.total !== c.total) {
      // Another image (or another leader's): only its first chunk can start it.
      if (c.offset !== 0) return { kind: 'ack', held: 0, refused: true };
      this.file.reset();
      cur = { from, meta: c.meta, total: c.total, held: 0 };
      this.current = cur;
    }
    if (c.offset > cur.held) return { kind: 'ack', held: cur.held, refused: true };
    const end = c.offset + c.data.byteLength;
    if (end > cur.held) { // equivalent as '>=': writes nothing
      // Overlaps what we hold only when the leader resent from an older ack: write the new part.
      const skip = cur.held - c.offset;
      this.file.write(cur.held, c.data.subarray(skip));
      cur.held = end;
    }
    if (cur.held < cur.total) return { kind: 'ack', held: cur.held, refused: false };
    this.current = null;
    this.completed = { from, meta: cur.meta, total: cur.total };
    return { kind: 'complete', held: cur.held, data: this.file.take() };
  }

  /** Forgets a partial image (this node became leader, or stops). */
  abort(): void {
    if (!this.current) return; // equivalent without it: discarding no staging file does nothing
    this.current = null;
    this.file.discard();
  }
}
