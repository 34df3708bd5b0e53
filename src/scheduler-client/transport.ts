// How a scheduler client reaches a master: one POST of a JSON Call to /api/v1/scheduler, and
// the response (a RecordIO stream for SUBSCRIBE). Two transports, one protocol: in-process
// (a fetch function straight into the local master's HTTP app, so the call takes exactly the
// path an external framework's call takes) and HTTP over loopback or the network.
import { followLocation, type HttpClient } from '../lib/http-client.js';

export interface TransportResponse {
  status: number;
  header(name: string): string | undefined;
  /** The body as it arrives (the SUBSCRIBE stream never ends while subscribed). */
  body: AsyncIterable<Uint8Array>;
  /** Stops reading the body (closes the stream). */
  cancel(): void;
}

export interface SchedulerTransport {
  post(body: string, headers: Record<string, string>): Promise<TransportResponse>;
}

export const SCHEDULER_PATH = '/api/v1/scheduler';

/** In-process: `fetch` is the local master's HTTP app (hono's `app.fetch`). */
export function inProcessTransport(fetch: (req: Request) => Response | Promise<Response>): SchedulerTransport {
  return {
    async post(body, headers) {
      const res = await fetch(new Request(`http://in-process${SCHEDULER_PATH}`, { method: 'POST', headers, body }));
      const stream = res.body;
      const reader: ReadableStreamDefaultReader<Uint8Array> | null = stream?.getReader() ?? null;
      return {
        status: res.status,
        header: (name) => res.headers.get(name) ?? undefined,
        body: {
          async *[Symbol.asyncIterator]() {
            if (!reader) return;
            for (;;) {
              const chunk = (await reader.read()) as { done: boolean; value?: Uint8Array };
              if (chunk.done || chunk.value === undefined) return;
              yield chunk.value;
            }
          },
        },
        cancel: () => {
          reader?.cancel().catch(() => undefined);
        },
      };
    },
  };
}

/** Over HTTP to `host:port`, following Mesos-style 307s to the leader (at most `maxRedirects`). */
export function httpTransport(http: HttpClient, master: { host: string; port: number }, maxRedirects = 3): SchedulerTransport {
  let target = { ...master, path: SCHEDULER_PATH };
  return {
    async post(body, headers) {
      for (let i = 0; ; i++) {
        const { req, res } = await http.open({ ...target, method: 'POST', headers, body, connectTimeoutMs: 3000 });
        const location = res.headers.location;
        const next = res.statusCode === 307 && i < maxRedirects && typeof location === 'string' ? followLocation(location, target) : null;
        if (next) {
          res.resume();
          target = { ...next, path: SCHEDULER_PATH };
          continue;
        }
        return {
          status: res.statusCode ?? 0,
          header: (name) => {
            const v = res.headers[name.toLowerCase()];
            return Array.isArray(v) ? v[0] : v;
          },
          body: res,
          cancel: () => req.destroy(),
        };
      }
    },
  };
}

/** Reads a whole (small) response body as text. */
export async function readText(res: TransportResponse, maxBytes = 64 * 1024): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const c of res.body) {
    total += c.byteLength;
    if (total > maxBytes) {
      res.cancel();
      break;
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}
