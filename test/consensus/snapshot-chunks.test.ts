import { describe, expect, it } from 'vitest';
import { ChunkReceiver, ChunkSender, MAX_SNAPSHOT_BYTES, type StagingFile } from '../../src/consensus/snapshot-chunks.js';
import type { SnapshotChunk, SnapshotMeta } from '../../src/consensus/core/types.js';
import { seededRng, type Rng } from '../../src/lib/rng.js';

// The pure chunk transfer (sender window, follower assembly) under a network that loses,
// duplicates and reorders chunks and acks, seed by seed. The staging file is in memory here;
// driver-snapshots.test.ts runs the real file over real HTTP.

class MemoryStaging implements StagingFile {
  bytes = new Uint8Array(0);
  open = false;
  resets = 0;
  reset(): void {
    this.bytes = new Uint8Array(0);
    this.open = true;
    this.resets++;
  }
  write(offset: number, data: Uint8Array): void {
    if (!this.open) throw new Error('write without reset');
    if (offset !== this.bytes.length) throw new Error(`non-contiguous write at ${offset}, holding ${this.bytes.length}`);
    const next = new Uint8Array(offset + data.length);
    next.set(this.bytes);
    next.set(data, offset);
    this.bytes = next;
  }
  take(): Uint8Array {
    this.open = false;
    return this.bytes;
  }
  discard(): void {
    this.open = false;
    this.bytes = new Uint8Array(0);
  }
}

const META: SnapshotMeta = { index: 42, term: 3, confState: { voters: ['a', 'b', 'c'], learners: [] } };

type InFlight = { to: 'follower'; chunk: SnapshotChunk } | { to: 'leader'; held: number; refused: boolean };

interface Faults { drop: number; duplicate: number; reorder: number }

/** Runs one transfer to completion (bounded); returns what the follower installed and what it cost. */
function transfer(rng: Rng, image: Uint8Array, chunkBytes: number, window: number, f: Faults) {
  const sender = new ChunkSender(META, image, chunkBytes, window, 0);
  const staging = new MemoryStaging();
  const receiver = new ChunkReceiver(staging);
  const wire: InFlight[] = [];
  let now = 0;
  let bytesSent = 0;
  let installed: Uint8Array | null = null;
  const send = (m: InFlight): void => {
    if (rng.next() < f.drop) return;
    wire.push(m);
    if (rng.next() < f.duplicate) wire.push(m);
  };
  const pump = (): void => {
    for (const c of sender.take()) {
      // Flow control: nothing beyond the window past the last acknowledged byte.
      expect(c.offset + c.data.length - sender.acked).toBeLessThanOrEqual(window * chunkBytes);
      bytesSent += c.data.length;
      send({ to: 'follower', chunk: c });
    }
  };
  pump();
  for (let step = 0; step < 200_000 && !sender.done(); step++) {
    if (wire.length === 0 || rng.next() < 0.02) {
      now += 100;
      sender.onTimer(now, 250);
      pump();
      continue;
    }
    const i = rng.next() < f.reorder ? Math.floor(rng.next() * wire.length) : 0;
    const m = wire.splice(i, 1)[0]!;
    if (m.to === 'leader') {
      sender.onAck(m.held, m.refused, now);
      pump();
      continue;
    }
    const r = receiver.receive('leader-1', m.chunk);
    if (r.kind === 'invalid') throw new Error(r.reason);
    if (r.kind === 'complete') {
      expect(installed).toBeNull(); // installed exactly once
      installed = r.data;
    }
    send({ to: 'leader', held: r.held, refused: r.kind === 'ack' && r.refused });
  }
  return { done: sender.done(), installed, bytesSent, resets: staging.resets, chunksSent: sender.chunksSent };
}

describe('chunked snapshot transfer', () => {
  it('delivers the exact image in order over a clean network, one window at a time', () => {
    const rng = seededRng(7);
    const image = new Uint8Array(rng.bytes(10_000));
    const r = transfer(rng, image, 1000, 3, { drop: 0, duplicate: 0, reorder: 0 });
    expect(r.done).toBe(true);
    expect(Buffer.from(r.installed!).equals(Buffer.from(image))).toBe(true);
    expect(r.bytesSent).toBe(image.length);
    expect(r.resets).toBe(1);
    expect(r.chunksSent).toBe(10);
  });

  it('completes through loss, duplication and reordering of chunks and acks, for every seed', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rng = seededRng(seed);
      const size = Math.floor(rng.next() * 20_000);
      const chunkBytes = 1 + Math.floor(rng.next() * 3000);
      const window = 1 + Math.floor(rng.next() * 6);
      const faults = { drop: rng.next() * 0.3, duplicate: rng.next() * 0.3, reorder: rng.next() };
      const image = new Uint8Array(rng.bytes(size));
      const r = transfer(rng, image, chunkBytes, window, faults);
      const replay = `seed ${seed}: size ${size}, chunk ${chunkBytes}, window ${window}, ${JSON.stringify(faults)}`;
      expect(r.done, replay).toBe(true);
      expect(r.installed, replay).not.toBeNull();
      expect(Buffer.from(r.installed!).equals(Buffer.from(image)), replay).toBe(true);
    }
  });

  it('resumes after a lost chunk from the gap, not from the start', () => {
    const image = new Uint8Array(100_000).fill(9);
    const sender = new ChunkSender(META, image, 1000, 4, 0);
    const receiver = new ChunkReceiver(new MemoryStaging());
    const first = sender.take();
    expect(first.map((c) => c.offset)).toEqual([0, 1000, 2000, 3000]);
    // Chunk 1000 is lost; 2000 arrives, is refused with the 1000 bytes held, and the sender goes back to 1000.
    const a0 = receiver.receive('l', first[0]!);
    expect(a0).toMatchObject({ kind: 'ack', held: 1000, refused: false });
    sender.onAck(1000, false, 1);
    const a2 = receiver.receive('l', first[2]!);
    expect(a2).toMatchObject({ kind: 'ack', held: 1000, refused: true });
    sender.onAck(1000, true, 2);
    expect(sender.take().map((c) => c.offset)).toEqual([1000, 2000, 3000, 4000]);
    // The echo of the same refusal (chunk 3000 also arrived late) does not rewind again.
    sender.onAck(1000, true, 3);
    expect(sender.take()).toEqual([]);
  });

  it('starts over when the follower lost its partial image (restarted), and reports no progress for it', () => {
    const image = new Uint8Array(8000).map((_, i) => i % 251);
    const sender = new ChunkSender(META, image, 1000, 4, 0);
    const first = sender.take();
    const before = new ChunkReceiver(new MemoryStaging());
    expect(before.receive('l', first[0]!)).toMatchObject({ held: 1000 });
    expect(before.receive('l', first[1]!)).toMatchObject({ held: 2000 });
    expect(sender.onAck(2000, false, 1)).toBe(true);
    const after = new ChunkReceiver(new MemoryStaging()); // the follower restarted
    expect(after.receive('l', first[2]!)).toMatchObject({ kind: 'ack', held: 0, refused: true });
    expect(sender.onAck(0, true, 2)).toBe(false);
    let done: Uint8Array | null = null;
    for (let round = 0; round < 10 && !done; round++) {
      for (const c of sender.take()) {
        const r = after.receive('l', c);
        if (r.kind === 'complete') done = r.data;
        if (r.kind !== 'invalid') sender.onAck(r.held, r.kind === 'ack' && r.refused, 3 + round);
      }
    }
    expect(done && Buffer.from(done).equals(Buffer.from(image))).toBe(true);
  });

  it('resends from the last ack when nothing is acknowledged for the retry time', () => {
    const sender = new ChunkSender(META, new Uint8Array(10_000), 1000, 2, 0);
    expect(sender.take().map((c) => c.offset)).toEqual([0, 1000]);
    sender.onAck(1000, false, 10);
    expect(sender.take().map((c) => c.offset)).toEqual([2000]);
    sender.onTimer(100, 250);
    expect(sender.take()).toEqual([]);
    sender.onTimer(260, 250);
    expect(sender.take().map((c) => c.offset)).toEqual([1000, 2000]);
  });

  it('an empty image is one empty chunk, done once acknowledged', () => {
    const sender = new ChunkSender(META, new Uint8Array(0), 1000, 2, 0);
    const chunks = sender.take();
    expect(chunks).toHaveLength(1);
    expect(sender.take()).toEqual([]); // once, until a retry
    expect(sender.done()).toBe(false);
    const r = new ChunkReceiver(new MemoryStaging()).receive('l', chunks[0]!);
    expect(r).toMatchObject({ kind: 'complete', held: 0 });
    sender.onAck(0, false, 1);
    expect(sender.done()).toBe(true);
  });

  it('the follower refuses hostile chunks, starts another image only at its first chunk, and never restarts a completed one', () => {
    const staging = new MemoryStaging();
    const rcv = new ChunkReceiver(staging);
    const chunk = (over: Partial<SnapshotChunk>): SnapshotChunk => ({ meta: META, total: 10, offset: 0, data: new Uint8Array(5), ...over });
    expect(rcv.receive('l', chunk({ total: -1 }))).toMatchObject({ kind: 'invalid' });
    expect(rcv.receive('l', chunk({ total: MAX_SNAPSHOT_BYTES + 1 }))).toMatchObject({ kind: 'invalid' });
    expect(rcv.receive('l', chunk({ offset: 8 }))).toMatchObject({ kind: 'invalid' });
    expect(rcv.receive('l', chunk({ offset: 1.5 }))).toMatchObject({ kind: 'invalid' });
    expect(rcv.receive('l', chunk({ offset: -1 }))).toMatchObject({ kind: 'invalid' });
    expect(new ChunkReceiver(new MemoryStaging()).receive('l', chunk({ total: MAX_SNAPSHOT_BYTES }))).toMatchObject({ kind: 'ack', held: 5 });
    expect(rcv.receive('l', chunk({ offset: 5 }))).toMatchObject({ kind: 'ack', held: 0, refused: true });
    expect(rcv.receive('l', chunk({}))).toMatchObject({ kind: 'ack', held: 5 });
    // Another leader's chunk in the middle of this image is refused; its first chunk replaces it.
    expect(rcv.receive('other', chunk({ offset: 5 }))).toMatchObject({ kind: 'ack', held: 0, refused: true });
    expect(rcv.inProgress).toMatchObject({ from: 'l', held: 5 });
    expect(rcv.receive('other', chunk({}))).toMatchObject({ kind: 'ack', held: 5 });
    expect(rcv.inProgress).toMatchObject({ from: 'other' });
    expect(rcv.receive('other', chunk({ offset: 5 }))).toMatchObject({ kind: 'complete', held: 10 });
    const resets = staging.resets;
    expect(rcv.receive('other', chunk({}))).toMatchObject({ kind: 'ack', held: 10, refused: false });
    expect(staging.resets).toBe(resets);
    expect(rcv.inProgress).toBeNull();
  });

  it('refuses a window or chunk size below one', () => {
    expect(() => new ChunkSender(META, new Uint8Array(10), 0, 1, 0)).toThrow(/positive/);
    expect(() => new ChunkSender(META, new Uint8Array(10), 1, 0, 0)).toThrow(/positive/);
    expect(new ChunkSender(META, new Uint8Array(10), 1, 1, 0).take()).toHaveLength(1);
  });

  it('ignores acks beyond the image, and moves on when acks of chunks sent before a resend arrive', () => {
    const sender = new ChunkSender(META, new Uint8Array(5000), 1000, 3, 0);
    expect(sender.take().map((c) => c.offset)).toEqual([0, 1000, 2000]);
    expect(sender.onAck(0, false, 1)).toBe(false); // holds nothing yet: no progress
    expect(sender.onAck(9000, false, 1)).toBe(false);
    expect(sender.acked).toBe(0);
    sender.onTimer(1000, 250); // resend from 0...
    expect(sender.onAck(3000, false, 1001)).toBe(true); // ...but the first sends all arrived
    expect(sender.take().map((c) => c.offset)).toEqual([3000, 4000]);
    expect(sender.onAck(3000, false, 1002)).toBe(false); // nothing new
    expect(sender.done()).toBe(false);
    expect(sender.onAck(5000, false, 1003)).toBe(true);
    expect(sender.done()).toBe(true);
  });

  it('a refusal at or past the last chunk sent, or behind an ack already overtaken, does not rewind', () => {
    const sender = new ChunkSender(META, new Uint8Array(6000), 1000, 2, 0);
    sender.take(); // 0, 1000
    sender.onAck(2000, true, 1); // holds all that was sent: nothing to resend
    expect(sender.take().map((c) => c.offset)).toEqual([2000, 3000]);
    sender.onAck(3000, false, 2);
    expect(sender.take().map((c) => c.offset)).toEqual([4000]);
  });

  it('the follower tells images apart by leader, index, term and size; a chunk it already holds is acknowledged, not written', () => {
    const staging = new MemoryStaging();
    const rcv = new ChunkReceiver(staging);
    const chunk = (over: Partial<SnapshotChunk>): SnapshotChunk => ({ meta: META, total: 10, offset: 0, data: new Uint8Array(5).fill(1), ...over });
    expect(rcv.receive('l', chunk({}))).toMatchObject({ kind: 'ack', held: 5 });
    for (const other of [{ meta: { ...META, term: 4 } }, { meta: { ...META, index: 43 } }, { total: 11 }]) {
      expect(rcv.receive('l', chunk({ ...other, offset: 5 })), JSON.stringify(other)).toMatchObject({ kind: 'ack', held: 0, refused: true });
    }
    expect(rcv.inProgress).toEqual({ from: 'l', index: 42, held: 5, total: 10 });
    expect(rcv.receive('l', chunk({}))).toMatchObject({ kind: 'ack', held: 5, refused: false });
    expect(staging.bytes.length).toBe(5);
    expect(rcv.receive('l', chunk({ meta: { ...META, term: 4 } }))).toMatchObject({ kind: 'ack', held: 5 });
    expect(rcv.inProgress).toMatchObject({ from: 'l', held: 5 });
    expect(staging.resets).toBe(2);
    rcv.abort();
    expect(rcv.inProgress).toBeNull();
    expect(staging.open).toBe(false);
  });
});
