import { encodeRecord } from './recordio.js';

/**
 * A server-side RecordIO event stream backed by a web ReadableStream, for
 * long-lived subscriptions (scheduler, agent, operator). Closing is idempotent
 * and `onClose` fires once whether we or the peer closed it.
 */
export class EventStream<E = unknown> {
  readonly body: ReadableStream<Uint8Array>;
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private closed = false;
  private readonly closeHandlers: (() => void)[] = [];
  private readonly observers: ((event: E) => void)[] = [];

  /** `encode` turns a typed event into its wire JSON (src/wire); identity by default. */
  constructor(private readonly encode: (event: E) => unknown = (e) => e) {
    this.body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      cancel: () => {
        this.finish();
      },
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(event: E): boolean {
    if (this.closed || !this.controller) return false;
    try {
      this.controller.enqueue(encodeRecord(this.encode(event)));
      for (const o of this.observers) o(event);
      return true;
    } catch {
      this.finish();
      return false;
    }
  }

  close(): void {
    if (this.closed) return;
    try {
      this.controller?.close();
    } catch {
      // already errored or closed by the peer
    }
    this.finish();
  }

  /** `fn` sees each event this stream sends (per-framework event counters). */
  observe(fn: (event: E) => void): void {
    this.observers.push(fn);
  }

  onClose(handler: () => void): void {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.closeHandlers.splice(0)) h();
  }
}
