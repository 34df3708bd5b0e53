// Types for @dcos/mesos-client 1.0.0 (CommonJS, untyped): operator API v1 calls and the event stream as rxjs 6 Observables.
declare module '@dcos/mesos-client' {
  interface Subscription { unsubscribe(): void }
  interface Observable<T> {
    subscribe(next: (value: T) => void, error?: (e: unknown) => void, complete?: () => void): Subscription;
  }
  /** POSTs `body` to `url` (default /mesos/api/v1); emits the response text. */
  export function request(body: Record<string, unknown>, url?: string): Observable<string>;
  /** POSTs `body` (SUBSCRIBE) to `url`; emits each RecordIO record's text. */
  export function stream(body: Record<string, unknown>, url?: string): Observable<string>;
}
