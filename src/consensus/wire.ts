// JSON wire form of Raft messages for the peer transport: binary fields travel as base64.
import type { ConfState, Entry, EntryType, Message, MessageType, Snapshot, SnapshotChunk } from './core/types.js';

export interface WireEntry { i: number; t: number; y: EntryType; d: string }
export interface WireSnapshot { index: number; term: number; confState: ConfState; data: string }
export interface WireChunk { index: number; term: number; confState: ConfState; total: number; offset: number; data: string }
export interface WireMessage {
  type: MessageType; from: string; to: string; term: number; logTerm: number; index: number; commit: number;
  entries: WireEntry[]; reject: boolean; rejectHint: number; context: string; snapshot?: WireSnapshot; chunk?: WireChunk;
}

/** A chunk carries at most this much (the sender uses 1 MiB by default); more is refused as malformed. */
export const MAX_WIRE_CHUNK_BYTES = 16 << 20;

const b64 = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');
const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

const MESSAGE_TYPES: ReadonlySet<string> = new Set<MessageType>([
  'preVote', 'preVoteResp', 'vote', 'voteResp', 'append', 'appendResp', 'heartbeat', 'heartbeatResp', 'snapshot', 'timeoutNow',
  'snapshotChunk', 'snapshotAck',
]);
const ENTRY_TYPES: ReadonlySet<string> = new Set<EntryType>(['normal', 'confChange', 'noop']);

export function toWire(m: Message): WireMessage {
  return {
    type: m.type, from: m.from, to: m.to, term: m.term, logTerm: m.logTerm, index: m.index, commit: m.commit,
    entries: m.entries.map((e) => ({ i: e.index, t: e.term, y: e.type, d: b64(e.data) })),
    reject: m.reject, rejectHint: m.rejectHint, context: m.context,
    ...(m.snapshot ? { snapshot: { index: m.snapshot.index, term: m.snapshot.term, confState: m.snapshot.confState, data: b64(m.snapshot.data) } } : {}),
    ...(m.chunk ? { chunk: chunkToWire(m.chunk) } : {}),
  };
}

const chunkToWire = (c: SnapshotChunk): WireChunk => ({
  index: c.meta.index, term: c.meta.term, confState: c.meta.confState, total: c.total, offset: c.offset, data: b64(c.data),
});

const int = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`bad ${what}`);
  return v;
};
const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || v.length > 300) throw new Error(`bad ${what}`);
  return v;
};
const b64field = (v: unknown): string => {
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new Error('bad binary field');
  return v;
};
const ids = (v: unknown, what: string): string[] => {
  if (!Array.isArray(v)) throw new Error(`bad ${what}`);
  return v.map((x) => str(x, what));
};

/** Validates untrusted input from a peer; throws on anything malformed. */
export function fromWire(raw: unknown): Message {
  if (typeof raw !== 'object' || raw === null) throw new Error('message is not an object');
  const w = raw as Record<string, unknown>;
  const type = str(w['type'], 'type');
  if (!MESSAGE_TYPES.has(type)) throw new Error(`unknown message type ${type}`);
  if (!Array.isArray(w['entries'])) throw new Error('bad entries');
  const entries: Entry[] = (w['entries'] as unknown[]).map((x) => {
    const e = x as Record<string, unknown>;
    const y = str(e['y'], 'entry type');
    if (!ENTRY_TYPES.has(y)) throw new Error(`unknown entry type ${y}`);
    return { index: int(e['i'], 'entry index'), term: int(e['t'], 'entry term'), type: y as EntryType, data: unb64(b64field(e['d'])) };
  });
  let snapshot: Snapshot | undefined;
  if (w['snapshot'] !== undefined) {
    const s = object(w['snapshot'], 'snapshot');
    snapshot = {
      index: int(s['index'], 'snapshot index'), term: int(s['term'], 'snapshot term'), confState: confState(s['confState']),
      data: unb64(b64field(s['data'])),
    };
  }
  let chunk: SnapshotChunk | undefined;
  if (w['chunk'] !== undefined) {
    const c = object(w['chunk'], 'chunk');
    const data = b64field(c['data']);
    if (data.length > Math.ceil(MAX_WIRE_CHUNK_BYTES / 3) * 4) throw new Error('snapshot chunk too large');
    chunk = {
      meta: { index: int(c['index'], 'chunk index'), term: int(c['term'], 'chunk term'), confState: confState(c['confState']) },
      total: int(c['total'], 'chunk total'), offset: int(c['offset'], 'chunk offset'), data: unb64(data),
    };
  }
  return {
    type: type as MessageType, from: str(w['from'], 'from'), to: str(w['to'], 'to'), term: int(w['term'], 'term'),
    logTerm: int(w['logTerm'], 'logTerm'), index: int(w['index'], 'index'), commit: int(w['commit'], 'commit'), entries,
    reject: w['reject'] === true, rejectHint: int(w['rejectHint'], 'rejectHint'), context: typeof w['context'] === 'string' ? w['context'] : '',
    ...(snapshot ? { snapshot } : {}),
    ...(chunk ? { chunk } : {}),
  };
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`bad ${what}`);
  return v as Record<string, unknown>;
}

function confState(v: unknown): ConfState {
  const c = v as Record<string, unknown> | undefined;
  return { voters: ids(c?.['voters'], 'voters'), learners: ids(c?.['learners'], 'learners') };
}
