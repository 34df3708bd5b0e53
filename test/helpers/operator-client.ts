import http from 'node:http';
import { onTestFinished } from 'vitest';
import { RecordDecoder } from '../../src/lib/recordio.js';
import { OperatorEvent, OperatorResponse } from '../../src/wire/operator.js';
import { wireProblem } from './wire-check.js';

export type Json = Record<string, unknown>;

/** One operator API call over loopback HTTP: status, Location and the parsed body (null when empty). */
export async function operatorCall(master: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Json | null; text: string; location: string | null }> {
  const res = await fetch(new URL('/api/v1', master), {
    method: 'POST', redirect: 'manual',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Json | null = null;
  try {
    json = text === '' ? null : (JSON.parse(text) as Json);
  } catch {
    json = null;
  }
  return { status: res.status, json, text, location: res.headers.get('location') };
}

/** A call expected to succeed with a canonical v1 Response of the same type; returns that Response. */
export async function operatorGet(master: string, type: string, extra: Json = {}): Promise<Json> {
  const r = await operatorCall(master, { type, ...extra });
  if (r.status !== 200 || r.json === null) throw new Error(`${type} answered ${r.status}: ${r.text.slice(0, 300)}`);
  const problem = wireProblem(OperatorResponse, r.json);
  if (problem !== null) throw new Error(`${type}: ${problem}`);
  if (r.json['type'] !== type) throw new Error(`${type} answered a ${String(r.json['type'])} response`);
  return r.json;
}

/** An operator SUBSCRIBE stream whose events queue up; every event is checked to be a canonical v1 master Event. Closed when the test ends. */
export class OperatorSubscriber {
  readonly events: Json[] = [];
  readonly wireViolations: string[] = [];
  contentType = '';
  /** The master ended the stream. */
  ended = false;
  private req: http.ClientRequest | null = null;
  private waiters: (() => void)[] = [];

  static async open(master: string, headers: Record<string, string> = {}): Promise<OperatorSubscriber> {
    const s = new OperatorSubscriber();
    onTestFinished(() => s.close());
    await new Promise<void>((resolve, reject) => {
      const req = http.request(new URL('/api/v1', master), { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`SUBSCRIBE answered ${res.statusCode}`));
          return;
        }
        s.contentType = String(res.headers['content-type'] ?? '');
        const dec = new RecordDecoder();
        res.on('data', (c: Buffer) => {
          for (const r of dec.push(c)) s.push(JSON.parse(r) as Json);
        });
        res.on('end', () => {
          s.ended = true;
          for (const w of s.waiters.splice(0)) w();
        });
        resolve();
      });
      req.on('error', reject);
      req.end(JSON.stringify({ type: 'SUBSCRIBE' }));
      s.req = req;
    });
    return s;
  }

  async next(pred: (e: Json) => boolean, timeoutMs = 5_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.wireViolations.length > 0) throw new Error(`not a canonical master Event: ${this.wireViolations[0]}`);
      const i = this.events.findIndex(pred);
      if (i >= 0) return this.events.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching operator event within ${timeoutMs} ms; queue: ${this.events.map((e) => String(e['type'])).join(',')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.req?.destroy();
  }

  private push(e: Json): void {
    const problem = wireProblem(OperatorEvent, e);
    if (problem !== null) this.wireViolations.push(problem);
    this.events.push(e);
    for (const w of this.waiters.splice(0)) w();
  }
}

export const ofType = (type: string) => (e: Json): boolean => e['type'] === type;
