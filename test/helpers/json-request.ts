/** A JSON answer of a request: its status, body text, the body parsed (`{ text }` when it is not JSON) and headers. */
export interface JsonAnswer { status: number; text: string; json: Record<string, unknown>; headers: Headers }

/** `method base+path` with `body` as JSON (a string is sent as it is, for malformed input). */
export async function jsonRequest(base: string, method: string, path: string, body?: unknown): Promise<JsonAnswer> {
  const res = await fetch(`${base}${path}`, {
    method, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, text, json, headers: res.headers };
}
