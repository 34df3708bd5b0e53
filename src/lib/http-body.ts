import type { Context } from 'hono';
import { TsmesosError } from '../domain/errors.js';

/** Reads a JSON body with a byte limit; malformed or oversized input becomes a 4xx. */
export async function readJsonBody(c: Context, maxBytes: number): Promise<unknown> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) throw new TsmesosError('PAYLOAD_TOO_LARGE', `body larger than ${maxBytes} bytes`);
  const text = await readBodyText(c, maxBytes);
  if (text === undefined) throw new TsmesosError('BAD_REQUEST', 'missing request body');
  if (text.trim().length === 0) throw new TsmesosError('BAD_REQUEST', 'missing request body');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new TsmesosError('BAD_REQUEST', `malformed JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A request body as text, with a byte limit (413 past it); undefined when there is none. */
export async function readBodyText(c: Context, maxBytes: number): Promise<string | undefined> {
  const body = c.req.raw.body as AsyncIterable<Uint8Array> | null;
  if (!body) return undefined;
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Breaking out of the loop cancels the stream: the rest of an oversized body is never buffered.
  for await (const value of body) {
    total += value.byteLength;
    if (total > maxBytes) throw new TsmesosError('PAYLOAD_TOO_LARGE', `body larger than ${maxBytes} bytes`);
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
