// Who the page acts as: credentials the user signed in with (a principal's name and secret, sent
// as HTTP Basic, or a Bearer token such as the cluster's admin credential), kept for this tab
// (sessionStorage) and sent with every request to the page's own master. Checked at sign-in with
// GET /tsmesos/v1/whoami, which also says whether the master asks for credentials at all.
import { useEffect, useState } from 'preact/hooks';

export interface Credentials {
  /** What the master said the credentials are (whoami). */
  principal: string;
  admin: boolean;
  authorization: string;
}

export interface WhoAmI {
  principal: string | null;
  admin: boolean;
  authenticate_frameworks: boolean;
  authenticate_http_readwrite: boolean;
}

const KEY = 'tsmesos.credentials';
const listeners = new Set<(c: Credentials | null) => void>();

function load(): Credentials | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (raw === null) return null;
    const c = JSON.parse(raw) as Partial<Credentials>;
    return typeof c.principal === 'string' && typeof c.authorization === 'string' ? { principal: c.principal, admin: c.admin === true, authorization: c.authorization } : null;
  } catch {
    return null;
  }
}

let current: Credentials | null = load();

export const credentials = (): Credentials | null => current;

/** The Authorization header of requests to the page's own master, if signed in. */
export const authorization = (): string | undefined => current?.authorization;

export function setCredentials(c: Credentials | null): void {
  current = c;
  try {
    if (c) sessionStorage.setItem(KEY, JSON.stringify(c));
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage refused (private mode): signed in until the page reloads
  }
  for (const l of listeners) l(c);
}

export function onCredentials(l: (c: Credentials | null) => void): () => void {
  listeners.add(l);
  return () => void listeners.delete(l);
}

export function useCredentials(): Credentials | null {
  const [c, setC] = useState(current);
  useEffect(() => {
    setC(current);
    return onCredentials(setC);
  }, []);
  return c;
}

/** The Authorization header for a principal and secret (Basic) or, without a principal, a token (Bearer). */
export function authorizationFor(principal: string, secret: string): string {
  if (principal === '') return `Bearer ${secret}`;
  const bytes = new TextEncoder().encode(`${principal}:${secret}`);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}
