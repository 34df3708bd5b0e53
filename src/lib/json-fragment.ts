import { randomUUID } from 'node:crypto';

// Responses such as GET_STATE hold one message per task: 100,000 tasks are 50 MB of JSON,
// and walking and printing them anew for every request was most of its time. A task's JSON
// text is kept (JsonFragment, cached by the views while the task does not change) and spliced
// verbatim into the response by stringifyJson.

/**
 * Placeholders of the stringifyJson call in progress (JavaScript runs one at a time). The
 * prefix is made at the first fragment: most messages (every event of every stream) have none.
 */
let collecting: { prefix: string | null; texts: string[] } | null = null;

/** JSON text made earlier, standing for the value it encodes wherever it is placed in a response. */
export class JsonFragment {
  constructor(readonly json: string) {}

  /** Inside stringifyJson a placeholder; in any other JSON.stringify, the value itself (slower, same text). */
  toJSON(): unknown {
    if (collecting === null) return JSON.parse(this.json);
    // A string no input can contain: the prefix has a fresh random id.
    collecting.prefix ??= `json-fragment-${randomUUID()}-`;
    collecting.texts.push(this.json);
    return `${collecting.prefix}${collecting.texts.length - 1}`;
  }
}

/**
 * A fragment where a message of type T is expected: the views build typed messages, and the
 * encoders (src/wire/codec.ts encode, stringifyJson, JSON.stringify) turn it into T's JSON.
 * Nothing else may read its fields.
 */
export function fragmentAs<T>(fragment: JsonFragment): T {
  return fragment as unknown as T;
}

/** JSON.stringify, with each JsonFragment's text spliced in verbatim. */
export function stringifyJson(value: unknown): string {
  const outer = collecting;
  const mine: { prefix: string | null; texts: string[] } = { prefix: null, texts: [] };
  collecting = mine;
  let skeleton: string;
  try {
    skeleton = JSON.stringify(value);
  } finally {
    collecting = outer;
  }
  const { prefix, texts } = mine;
  if (prefix === null) return skeleton;
  const quoted = `"${prefix}`;
  const parts: string[] = [];
  let from = 0;
  for (;;) {
    const at = skeleton.indexOf(quoted, from);
    if (at < 0) break;
    const end = skeleton.indexOf('"', at + quoted.length);
    parts.push(skeleton.slice(from, at), texts[Number(skeleton.slice(at + quoted.length, end))]!);
    from = end + 1;
  }
  parts.push(skeleton.slice(from));
  return parts.join('');
}

/**
 * A per-object cache of fragments: `make` runs again only when `version` (what the JSON
 * depends on that can change) differs from the cached one.
 */
export class FragmentCache<K extends object> {
  private readonly cache = new WeakMap<K, { version: string; fragment: JsonFragment }>();

  constructor(private readonly make: (key: K) => unknown) {}

  get(key: K, version: string): JsonFragment {
    const hit = this.cache.get(key);
    if (hit !== undefined && hit.version === version) return hit.fragment;
    const fragment = new JsonFragment(JSON.stringify(this.make(key)));
    this.cache.set(key, { version, fragment });
    return fragment;
  }
}
