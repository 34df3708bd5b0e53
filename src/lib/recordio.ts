// RecordIO framing (Mesos docs/recordio.md): `<decimal length>\n<bytes>` repeated.
import { stringifyJson } from './json-fragment.js';

const encoder = new TextEncoder();

export function encodeRecord(message: unknown): Uint8Array {
  const body = encoder.encode(stringifyJson(message));
  const header = encoder.encode(`${body.length}\n`);
  const out = new Uint8Array(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}

/** Incremental decoder: feed chunks, get whole records back. Chunk boundaries are irrelevant. */
export class RecordDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  constructor(private readonly maxRecordBytes = 64 * 1024 * 1024) {}

  push(chunk: Uint8Array): string[] {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    const records: string[] = [];
    for (;;) {
      const nl = this.buffer.indexOf(0x0a);
      if (nl < 0) {
        if (this.buffer.length > 20) throw new Error('recordio: length header too long');
        return records;
      }
      const header = this.buffer.subarray(0, nl).toString('ascii');
      if (!/^\d+$/.test(header)) throw new Error(`recordio: bad length header '${header.slice(0, 20)}'`);
      const len = Number(header);
      if (len > this.maxRecordBytes) throw new Error(`recordio: record of ${len} bytes exceeds limit`);
      if (this.buffer.length < nl + 1 + len) return records;
      records.push(this.buffer.subarray(nl + 1, nl + 1 + len).toString('utf8'));
      this.buffer = this.buffer.subarray(nl + 1 + len);
    }
  }
}
