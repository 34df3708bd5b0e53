// @dcos/mesos-client is written for browsers: its transport is the global XMLHttpRequest, which
// Node lacks. This is the part of XMLHttpRequest it uses (open, setRequestHeader, send, abort,
// addEventListener for progress/load/error/abort, status, response, responseType, timeout),
// on fetch, streaming: like a browser's, `response` grows as chunks arrive and each chunk fires
// `progress`. (The npm XHR emulations buffer the body to the end, or carry CVE-2020-28502.)

type Listener = () => void;

export class XhrOnFetch {
  status = 0;
  readyState = 0;
  responseType = '';
  timeout = 0;
  response = '';
  private method = 'GET';
  private url = '';
  private readonly headers: Record<string, string> = {};
  private readonly listeners = new Map<string, Listener[]>();
  private readonly abortController = new AbortController();

  addEventListener(event: string, listener: Listener): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
    this.readyState = 1;
  }

  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }

  send(body?: string): void {
    void this.run(body);
  }

  abort(): void {
    this.abortController.abort();
  }

  private async run(body: string | undefined): Promise<void> {
    try {
      const res = await fetch(this.url, { method: this.method, headers: this.headers, body: body ?? null, signal: this.abortController.signal });
      this.status = res.status;
      this.readyState = 3;
      const decoder = new TextDecoder();
      const chunks: AsyncIterable<Uint8Array> = res.body ?? (async function* () {})();
      for await (const chunk of chunks) {
        this.response += decoder.decode(chunk, { stream: true });
        this.fire('progress');
      }
      this.readyState = 4;
      this.fire('load');
    } catch {
      this.readyState = 4;
      this.fire(this.abortController.signal.aborted ? 'abort' : 'error');
    }
  }

  private fire(event: string): void {
    for (const l of this.listeners.get(event) ?? []) l();
  }
}
