import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { useCredentials } from '../auth.js';
import { ActionButton } from '../actions.js';
import { ErrorBox, Loading, Section, Table } from '../components.js';
import { getJson, send } from '../http.js';
import { usePoll } from '../poll.js';
import type { AclEntity, AclsView, JoinTokenListing } from '../types.js';
import { LoginForm } from './login.js';

// The Cluster page: join tokens (GET/POST/DELETE /tsmesos/v1/tokens), principals and ACLs
// (GET /tsmesos/v1/acls), all with the cluster's admin credential.

const TTLS: [string, number][] = [['1 hour', 3600_000], ['1 day', 24 * 3600_000], ['7 days', 7 * 24 * 3600_000], ['30 days', 30 * 24 * 3600_000]];

const time = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toLocaleString());

function tokenState(t: JoinTokenListing, now: number): string {
  if (t.revokedAt !== null) return 'revoked';
  if (t.expiresAt <= now) return 'expired';
  if (t.maxUses !== null && t.uses >= t.maxUses) return 'used up';
  return 'valid';
}

export function Cluster(): JSX.Element {
  const who = useCredentials();
  if (!who?.admin) {
    return (
      <>
        <h1>Cluster</h1>
        <div class="note" role="status">
          Join tokens, principals and ACLs need the cluster's admin credential{who ? ` (signed in as ${who.principal})` : ''}: the token in{' '}
          <code>&lt;data-dir&gt;/master/tls/admin.json</code> on a master (TSMESOS_TOKEN of the CLI).
        </div>
        <LoginForm intro="Sign in with the admin credential (no principal, the token as the secret)." />
      </>
    );
  }
  return (
    <>
      <h1>Cluster</h1>
      <JoinTokens />
      <PrincipalsAndAcls />
    </>
  );
}

function JoinTokens(): JSX.Element {
  const [version, setVersion] = useState(0);
  const tokens = usePoll(`tokens-${version}`, (signal) => getJson<{ tokens: JoinTokenListing[] }>('/tsmesos/v1/tokens', signal, true), 5000);
  const [role, setRole] = useState('agent');
  const [ttl, setTtl] = useState(String(TTLS[1]![1]));
  const [uses, setUses] = useState('');
  const [created, setCreated] = useState<{ id: string; token: string; role: string; expiresAt: number } | null>(null);
  const [state, setState] = useState<{ busy: boolean; error?: string; copied?: string }>({ busy: false });
  const create = async (e: Event): Promise<void> => {
    e.preventDefault();
    const n = uses.trim() === '' ? null : Number(uses);
    if (n !== null && !(Number.isInteger(n) && n >= 1)) {
      setState({ busy: false, error: 'Uses: a whole number of at least 1, or empty for any number.' });
      return;
    }
    setState({ busy: true });
    try {
      const r = await send<{ id: string; token: string; expiresAt: number }>('POST', '/tsmesos/v1/tokens', { role, ttl_ms: Number(ttl), uses: n });
      if (r) setCreated({ ...r, role });
      setState({ busy: false });
      setVersion((v) => v + 1);
    } catch (err) {
      setState({ busy: false, error: err instanceof Error ? err.message : String(err) });
    }
  };
  const command = created ? `tsmesos join${created.role === 'master' ? ' --role master' : ''} ${created.token}` : '';
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(command);
      setState({ busy: false, copied: 'Copied.' });
    } catch (err) {
      setState({ busy: false, error: `Could not copy (${err instanceof Error ? err.message : String(err)}): select the command and copy it.` });
    }
  };
  const now = Date.now();
  return (
    <Section title="Join tokens">
      <form class="filters" onSubmit={(e) => void create(e)} aria-label="Create a join token">
        <label>
          Role
          <select name="role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
            <option value="agent">agent</option>
            <option value="master">master</option>
          </select>
        </label>
        <label>
          Valid for
          <select name="ttl" value={ttl} onChange={(e) => setTtl(e.currentTarget.value)}>
            {TTLS.map(([label, ms]) => <option value={String(ms)}>{label}</option>)}
          </select>
        </label>
        <label>
          Uses (empty: any)
          <input name="uses" inputMode="numeric" value={uses} onInput={(e) => setUses(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={state.busy}>Create token</button>
      </form>
      {state.error !== undefined ? <div class="error" role="alert">{state.error}</div> : null}
      {created ? (
        <div class="note created-token" role="status">
          <p>Token {created.id} ({created.role}, valid until {time(created.expiresAt)}). Run on the new node (the secret is shown only now):</p>
          <pre class="log" data-testid="join-command" tabIndex={0}>{command}</pre>
          <button type="button" onClick={() => void copy()}>Copy command</button> {state.copied !== undefined ? <span class="muted">{state.copied}</span> : null}
        </div>
      ) : null}
      <ErrorBox what="Join tokens" error={tokens.error} />
      {tokens.data ? (
        <Table
          caption="Join tokens"
          rows={[...tokens.data.tokens].sort((a, b) => b.createdAt - a.createdAt)}
          rowKey={(t) => t.id}
          empty="No join tokens."
          columns={[
            { header: 'Id', cell: (t) => <span class="mono">{t.id}</span> },
            { header: 'Role', cell: (t) => t.role },
            { header: 'State', cell: (t) => <span data-testid={`token-state-${t.id}`}>{tokenState(t, now)}</span> },
            { header: 'Uses', cell: (t) => `${t.uses}${t.maxUses !== null ? ` of ${t.maxUses}` : ''}`, class: 'num' },
            { header: 'Created', cell: (t) => time(t.createdAt) },
            { header: 'Expires', cell: (t) => time(t.expiresAt) },
            {
              header: 'Actions',
              cell: (t) => (t.revokedAt === null && t.expiresAt > now
                ? <ActionButton label={`Revoke ${t.id}`} confirm={`Revoke join token ${t.id}? Nodes can no longer join with it (nodes that joined stay).`} run={async () => { await send('DELETE', `/tsmesos/v1/tokens/${t.id}`); setVersion((v) => v + 1); }} />
                : ''),
            },
          ]}
        />
      ) : tokens.error ? null : <Loading what="join tokens" />}
    </Section>
  );
}

const entity = (e: AclEntity | undefined): string => (e === undefined ? '-' : 'type' in e ? e.type : e.values.join(', '));

function PrincipalsAndAcls(): JSX.Element {
  const acls = usePoll('acls', (signal) => getJson<AclsView>('/tsmesos/v1/acls', signal, true), 10_000);
  const v = acls.data;
  return (
    <>
      <ErrorBox what="Principals and ACLs" error={acls.error} />
      {v === undefined ? (acls.error ? null : <Loading what="principals and ACLs" />) : (
        <>
          <Section title="Principals">
            <p class="muted">Authentication: {v.authenticate_http_readwrite ? 'required for changes' : 'not required for changes'}, {v.authenticate_frameworks ? 'required for schedulers' : 'not required for schedulers'} (this master's flags). Add or remove principals with <code>tsmesos principal</code>.</p>
            <Table caption="Principals" rows={v.principals} rowKey={(p) => p.name} empty="No principals." columns={[
              { header: 'Principal', cell: (p) => p.name },
              { header: 'Created', cell: (p) => time(p.createdAt) },
            ]} />
          </Section>
          <Section title="ACLs">
            {v.acls === null ? <p>No --acls on this master: every authenticated (or, where no credentials are asked, every) request is allowed.</p> : (
              <>
                <p>Not matched by a rule: <strong data-testid="acls-permissive">{v.acls.permissive ? 'allowed (permissive)' : 'denied'}</strong>.</p>
                {Object.entries(v.acls).filter((e): e is [string, Record<string, AclEntity>[]] => Array.isArray(e[1])).map(([action, rules]) => (
                  <div>
                    <h3>{action}</h3>
                    <Table caption={`ACL ${action}`} rows={rules.map((r, i) => ({ i, r }))} rowKey={(x) => String(x.i)} empty="No rules." columns={[
                      { header: 'Principals', cell: (x) => entity(x.r['principals']) },
                      { header: 'Object', cell: (x) => Object.entries(x.r).filter(([k]) => k !== 'principals').map(([k, e]) => `${k}: ${entity(e)}`).join('; ') },
                    ]} />
                  </div>
                ))}
              </>
            )}
          </Section>
        </>
      )}
    </>
  );
}
