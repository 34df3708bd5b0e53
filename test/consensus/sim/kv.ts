// The replicated state machine of the simulation: a string map fed by JSON commands.
import type { Entry } from '../../../src/consensus/core/types.js';

export interface PutCommand {
  readonly key: string;
  readonly value: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const textCache = new WeakMap<Entry, string>();

export const encodePut = (cmd: PutCommand): Uint8Array => encoder.encode(JSON.stringify(cmd));

/** Entry payload as text, cached per entry object (entries are shared between nodes). */
export function entryText(e: Entry): string {
  let t = textCache.get(e);
  if (t === undefined) {
    t = decoder.decode(e.data);
    textCache.set(e, t);
  }
  return t;
}

export class Kv {
  private data = new Map<string, string>();

  get(key: string): string | undefined {
    return this.data.get(key);
  }

  apply(e: Entry): void {
    if (e.type !== 'normal') return;
    const cmd = JSON.parse(entryText(e)) as PutCommand;
    this.data.set(cmd.key, cmd.value);
  }

  /** Sorted, so equal states serialize identically. */
  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify([...this.data].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  }

  restore(data: Uint8Array): void {
    const pairs = data.length === 0 ? [] : (JSON.parse(decoder.decode(data)) as [string, string][]);
    this.data = new Map<string, string>(pairs);
  }

  dump(): string {
    return decoder.decode(this.snapshot());
  }
}
