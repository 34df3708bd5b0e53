import type { Context } from 'hono';
import { TsmesosError } from '../domain/errors.js';

/** Reads a JSON body with a byte limit; malformed or oversized input becomes a 4xx. */
export async function readJsonBody(c: Context, maxBytes: number): Promise<unknown> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) throw new TsmesosError('PAYLOAD_TOO_LARGE', `body larger than ${maxBytes} bytes`);
  const body = c.req.raw.body as AsyncIterable<Uint8Array> | null;
  if (!body) throw new TsmesosError('BAD_REQUEST', 'missing request body');
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Breaking out of the loop cancels the stream: the rest of an oversized body is never buffered.
  for await (const value of body) {
    total += value.byteLength;
    if (total > maxBytes) throw new TsmesosError('PAYLOAD_TOO_LARGE', `body larger than ${maxBytes} bytes`);
    chunks.push(value);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim().length === 0) throw new TsmesosError('BAD_REQUEST', 'missing request body');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new TsmesosError('BAD_REQUEST', `malformed JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}
