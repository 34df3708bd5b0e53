import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { authorizationFor, setCredentials, type WhoAmI } from '../auth.js';
import { getJson, headersFor } from '../http.js';
import { href } from '../router.js';

/**
 * Sign in: a principal's name and secret (HTTP Basic, what `tsmesos principal add` made), or
 * with no principal a Bearer token (the admin credential, or a principal's token). The master
 * checks them (GET /tsmesos/v1/whoami) before the page keeps them.
 */
export function LoginForm({ onDone, intro }: { onDone?: () => void; intro?: string }): JSX.Element {
  const [principal, setPrincipal] = useState('');
  const [secret, setSecret] = useState('');
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (secret === '') {
      setState({ busy: false, error: principal === '' ? 'Enter a token (or a principal and its secret).' : 'Enter the secret of the principal.' });
      return;
    }
    setState({ busy: true });
    const authorization = authorizationFor(principal.trim(), secret);
    let res: Response;
    try {
      res = await fetch('/tsmesos/v1/whoami', { headers: { ...headersFor('/tsmesos/v1/whoami'), Authorization: authorization }, cache: 'no-store' });
    } catch (err) {
      setState({ busy: false, error: `cannot reach the master (${err instanceof Error ? err.message : String(err)})` });
      return;
    }
    const body = (await res.json().catch(() => null)) as (WhoAmI & { code?: string; message?: string }) | null;
    if (!res.ok || body === null || body.principal === null) {
      setState({ busy: false, error: `Not signed in: ${res.status} ${body?.message ?? res.statusText}` });
      return;
    }
    setCredentials({ principal: body.principal, admin: body.admin, authorization });
    setSecret('');
    setState({ busy: false });
    onDone?.();
  };
  return (
    <form class="login" onSubmit={(e) => void submit(e)} aria-label="Sign in">
      {intro !== undefined ? <p>{intro}</p> : null}
      <label>
        Principal
        <input name="principal" autoComplete="username" value={principal} onInput={(e) => setPrincipal(e.currentTarget.value)} aria-describedby="principal-help" />
      </label>
      <span id="principal-help" class="muted small">Leave empty to sign in with a token (the admin credential, or a principal's Bearer token).</span>
      <label>
        {principal.trim() === '' ? 'Token' : 'Secret'}
        <input name="secret" type="password" autoComplete="current-password" value={secret} onInput={(e) => setSecret(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={state.busy}>Sign in</button>
      {state.error !== undefined ? <div class="error" role="alert">{state.error}</div> : null}
    </form>
  );
}

export function Login({ next }: { next: string | null }): JSX.Element {
  const [who, setWho] = useState<WhoAmI | null>(null);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    // Asked anonymously: what this master asks for, whoever is signed in.
    getJson<WhoAmI>('/tsmesos/v1/whoami').then(setWho, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  const asks = who ? [who.authenticate_http_readwrite ? 'changes (operator API, Marathon writes)' : null, who.authenticate_frameworks ? 'schedulers' : null].filter((x) => x !== null) : [];
  return (
    <>
      <h1>Sign in</h1>
      {who ? (
        <p data-testid="auth-mode">{asks.length > 0 ? `This master asks for credentials for ${asks.join(' and ')}.` : 'This master does not ask for credentials; sign in to use the Cluster page (admin credential).'}</p>
      ) : null}
      {error !== undefined ? <div class="error" role="alert">{error}</div> : null}
      <LoginForm onDone={() => { location.hash = next !== null && next.startsWith('#/') ? next : href(); }} />
    </>
  );
}
