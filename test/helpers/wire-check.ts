import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { encode, tryDecode } from '../../src/wire/codec.js';

/**
 * Why `json` is not the canonical encoding of a message of `schema`, or null when it is.
 * Canonical: it decodes, and encoding the decoded value gives back exactly `json` — so no
 * unknown or misplaced fields (decoding drops them), no nulls and no empty sub-messages.
 */
export function wireProblem<S extends z.ZodType>(schema: S, json: unknown): string | null {
  const d = tryDecode(schema, json, 'message');
  if (!d.ok) return `${d.message} in ${JSON.stringify(json).slice(0, 300)}`;
  const again = encode(schema, d.value);
  return isDeepStrictEqual(again, json) ? null : `not canonical: sent ${JSON.stringify(json).slice(0, 300)}, canonical ${JSON.stringify(again).slice(0, 300)}`;
}
