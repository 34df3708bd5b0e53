import { describe, expect, it } from 'vitest';
import { RecordReader } from '../../src/ui/app/recordio.js';

const frame = (s: string): Uint8Array => {
  const body = new TextEncoder().encode(s);
  const head = new TextEncoder().encode(`${body.length}\n`);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
};

describe('the web UI reads RecordIO by bytes', () => {
  it('splits records whose text has multi-byte characters, across any chunking', () => {
    const records = ['{"type":"SUBSCRIBED"}', '{"message":"café — ☃ 𝄞"}', '{"type":"HEARTBEAT"}'];
    const bytes = Uint8Array.from(records.flatMap((r) => [...frame(r)]));
    for (const size of [1, 2, 3, 7, bytes.length]) {
      const reader = new RecordReader();
      const got: string[] = [];
      for (let i = 0; i < bytes.length; i += size) got.push(...reader.push(bytes.subarray(i, i + size)));
      expect(got).toEqual(records);
    }
  });

  it('refuses a length that is not a number', () => {
    expect(() => new RecordReader().push(new TextEncoder().encode('abc\n{}'))).toThrow(/bad record length/);
  });
});
