import { useEffect, useState } from 'preact/hooks';

// Hash routing (`/#/tasks/<framework>/<task>?path=stdout`): every object has a deep link, and
// no page path can collide with the API paths a master serves at its root (/state, /frameworks).

export interface Route {
  /** Decoded path segments: `#/agents/a1` -> ['agents', 'a1']. */
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const parts = path.split('/').filter((p) => p !== '').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  return { parts, query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

/** A link to a page: href('tasks', fw, id) -> `#/tasks/<fw>/<id>`; `query` drops empty values. */
export function href(...parts: (string | Record<string, string | undefined>)[]): string {
  const segs = parts.filter((p): p is string => typeof p === 'string').map(encodeURIComponent);
  const q = parts.find((p): p is Record<string, string | undefined> => typeof p !== 'string');
  const search = q ? new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')).toString() : '';
  return `#/${segs.join('/')}${search ? `?${search}` : ''}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = (): void => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
