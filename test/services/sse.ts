// A /v2/events (Server-Sent Events) reader for the services tests.
import { expect } from 'vitest';

export interface Sse { eventType: string; [k: string]: unknown }

/** Opens the stream and collects parsed events until closed. */
export async function subscribeEvents(master: string, query = ''): Promise<{ events: Sse[]; mislabelled: string[]; close(): void }> {
  const ac = new AbortController();
  const res = await fetch(`${master}/v2/events${query}`, { headers: { Accept: 'text/event-stream' }, signal: ac.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const events: Sse[] = [];
  const mislabelled: string[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const chunk = (await reader.read()) as { done: boolean; value?: Uint8Array };
        if (chunk.done || chunk.value === undefined) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        let i;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data !== undefined) {
            const e = JSON.parse(data) as Sse;
            if (e.eventType !== name) mislabelled.push(block);
            events.push(e);
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, mislabelled, close: () => ac.abort() };
}

