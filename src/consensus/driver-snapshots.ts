// Snapshot transfer for the driver: the core asks for a whole-snapshot message; it travels as
// chunks with flow control (snapshot-chunks.ts) between the heartbeats on the peer's stream,
// the follower stages the bytes in a file next to its database, and only the complete image
// is stepped into its core, which installs it in one transaction (driver-persist.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Message, NodeId, SnapshotChunk } from './core/types.js';
import type { RaftNode } from './core/raft.js';
import type { RaftDriverOptions } from './driver.js';
import {
  ChunkReceiver, ChunkSender, DEFAULT_CHUNK_BYTES, DEFAULT_WINDOW, sameSnapshot, type StagingFile,
} from './snapshot-chunks.js';

export interface SnapshotTransferStats {
  transfersStarted: number;
  chunksSent: number;
  chunksReceived: number;
  snapshotsReceived: number;
  /** Size of the last snapshot received whole. */
  lastSnapshotBytes: number;
}

export class SnapshotTransfers {
  private readonly senders = new Map<NodeId, ChunkSender>();
  private readonly receiver: ChunkReceiver;
  private readonly chunkBytes: number;
  private readonly window: number;
  readonly stats: SnapshotTransferStats = { transfersStarted: 0, chunksSent: 0, chunksReceived: 0, snapshotsReceived: 0, lastSnapshotBytes: 0 };

  constructor(private readonly opts: RaftDriverOptions, private readonly node: RaftNode) {
    this.chunkBytes = opts.snapshotChunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.window = opts.snapshotWindow ?? DEFAULT_WINDOW;
    this.receiver = new ChunkReceiver(new FileStaging(stagingPath(opts)));
  }

  /** Takes the core's whole-snapshot messages out of `messages` and starts (or resumes) their transfer. */
  outgoing(messages: readonly Message[]): readonly Message[] {
    if (!messages.some((m) => m.type === 'snapshot')) return messages;
    const rest: Message[] = [];
    for (const m of messages) {
      const snap = m.snapshot;
      if (m.type !== 'snapshot' || !snap) {
        rest.push(m);
        continue;
      }
      const running = this.senders.get(m.to);
      if (running && sameSnapshot(running.meta, snap)) {
        running.resume(this.opts.clock.monotonic()); // the core gave up waiting: resume from the last ack
        continue;
      }
      this.senders.set(m.to, new ChunkSender(snap, snap.data, this.chunkBytes, this.window, this.opts.clock.monotonic()));
      this.stats.transfersStarted++;
      this.opts.logger.info('sending snapshot', { to: m.to, index: snap.index, bytes: snap.data.byteLength, chunkBytes: this.chunkBytes });
    }
    return rest;
  }

  /** Sends what the windows allow. */
  pump(): void {
    const out: Message[] = [];
    for (const [to, s] of this.senders) for (const chunk of s.take()) out.push(this.chunkMessage(to, chunk));
    if (out.length === 0) return;
    this.stats.chunksSent += out.length;
    this.opts.transport.send(out);
  }

  /** Handles a chunk or a chunk ack; false for every other message (the core's). */
  receive(m: Message): boolean {
    if (m.type === 'snapshotAck') {
      this.onAck(m);
      return true;
    }
    if (m.type !== 'snapshotChunk') return false;
    if (m.chunk && this.node.role !== 'leader' && m.term >= this.node.term) {
      try {
        this.onChunk(m, m.chunk);
      } catch (e) {
        // A local I/O error: drop the partial image; the leader starts over later.
        this.opts.logger.warn('could not stage a snapshot chunk', { from: m.from, error: e instanceof Error ? e.message : String(e) });
        this.receiver.abort();
      }
    }
    return true;
  }

  private onChunk(m: Message, chunk: SnapshotChunk): void {
    const r = this.receiver.receive(m.from, chunk);
    this.stats.chunksReceived++;
    if (r.kind === 'invalid') {
      this.opts.logger.warn('refused a snapshot chunk', { from: m.from, reason: r.reason });
      return;
    }
    this.opts.transport.send([this.ack(m, r.held, r.kind === 'ack' && r.refused)]);
    if (r.kind !== 'complete') return;
    this.stats.snapshotsReceived++;
    this.stats.lastSnapshotBytes = r.data.byteLength;
    this.opts.logger.info('received snapshot', { from: m.from, index: chunk.meta.index, bytes: r.data.byteLength });
    this.node.step({
      type: 'snapshot', from: m.from, to: this.opts.id, term: m.term, logTerm: 0, index: 0, commit: 0, entries: [],
      reject: false, rejectHint: 0, context: '', snapshot: { ...chunk.meta, data: r.data },
    });
  }

  private onAck(m: Message): void {
    const s = this.senders.get(m.from);
    if (!s || this.node.role !== 'leader' || !sameSnapshot(s.meta, { index: m.index, term: m.logTerm })) return;
    // Only progress keeps the core waiting: a follower that refuses every chunk lets it time out.
    if (s.onAck(m.commit, m.reject, this.opts.clock.monotonic())) this.node.snapshotProgress(m.from);
    if (s.done()) {
      this.senders.delete(m.from);
      this.opts.logger.info('snapshot sent', { to: m.from, index: s.meta.index, chunks: s.chunksSent });
    } else {
      this.pump();
    }
  }

  /** Retries stalled transfers; forgets those that no longer matter. */
  tick(): void {
    if (this.node.role === 'leader') this.receiver.abort();
    else this.senders.clear();
    const now = this.opts.clock.monotonic();
    for (const [to, s] of this.senders) {
      const pr = this.node.progress.get(to);
      if (!pr || pr.match >= s.meta.index) this.senders.delete(to); // removed, or caught up another way
      else s.onTimer(now, this.opts.electionTimeoutMs);
    }
    this.pump();
  }

  stop(): void {
    this.senders.clear();
    this.receiver.abort();
  }

  private chunkMessage(to: NodeId, chunk: SnapshotChunk): Message {
    return {
      type: 'snapshotChunk', from: this.opts.id, to, term: this.node.term, logTerm: chunk.meta.term, index: chunk.meta.index,
      commit: 0, entries: [], reject: false, rejectHint: 0, context: '', chunk,
    };
  }

  private ack(m: Message, held: number, refused: boolean): Message {
    const meta = m.chunk!.meta;
    return {
      type: 'snapshotAck', from: this.opts.id, to: m.from, term: this.node.term, logTerm: meta.term, index: meta.index,
      commit: held, entries: [], reject: refused, rejectHint: 0, context: '',
    };
  }
}

/** Next to the database (same disk, private to this node); a leftover from a crash is removed at start. */
function stagingPath(opts: RaftDriverOptions): string {
  const db = opts.stateMachine.db;
  const safeId = opts.id.replace(/[^A-Za-z0-9.-]/g, '_');
  const file = db.memory || db.name === '' ? path.join(os.tmpdir(), `tsmesos-${process.pid}-${safeId}`) : db.name;
  return `${file}.incoming-snapshot`;
}

class FileStaging implements StagingFile {
  private fd: number | null = null;

  constructor(private readonly file: string) {
    fs.rmSync(file, { force: true });
  }

  reset(): void {
    this.discard();
    this.fd = fs.openSync(this.file, 'w', 0o600);
  }

  write(offset: number, data: Uint8Array): void {
    if (this.fd === null) throw new Error('no snapshot is being staged');
    for (let done = 0; done < data.byteLength;) done += fs.writeSync(this.fd, data, done, data.byteLength - done, offset + done);
  }

  take(): Uint8Array {
    this.close();
    const buf = fs.readFileSync(this.file);
    fs.rmSync(this.file, { force: true });
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  discard(): void {
    this.close();
    fs.rmSync(this.file, { force: true });
  }

  private close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}
