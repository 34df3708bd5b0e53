import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { headersFor, leaderUrl } from '../http.js';
import { Section } from '../components.js';

// Create an app of the built-in Marathon-compatible scheduler: from a form (the common fields) or
// from a pasted definition (any field /v2/apps takes). The scheduler validates; its 422 details
// ({path, errors}) are shown next to the field they name, the rest above the form.

interface Detail { path: string; errors: string[] }

const FIELDS = [
  { key: 'id', label: 'Id', hint: 'e.g. /prod/web', type: 'text' },
  { key: 'cmd', label: 'Command', hint: 'shell command', type: 'text' },
  { key: 'instances', label: 'Instances', hint: '', type: 'number' },
  { key: 'cpus', label: 'CPUs', hint: '', type: 'number' },
  { key: 'mem', label: 'Memory (MB)', hint: '', type: 'number' },
  { key: 'health', label: 'Health check command', hint: 'optional, e.g. test -f ready', type: 'text' },
] as const;
type Key = (typeof FIELDS)[number]['key'];

/** POST /v2/apps on the leader: null when created, else the errors by field path. */
async function createApp(body: unknown): Promise<{ message: string; details: Detail[] } | null> {
  const url = leaderUrl('/v2/apps');
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', redirect: 'manual', headers: headersFor(url, { 'Content-Type': 'application/json' }), body: JSON.stringify(body) });
  } catch (e) {
    return { message: `cannot reach the master (${e instanceof Error ? e.message : String(e)})`, details: [] };
  }
  if (res.ok) return null;
  if (res.type === 'opaqueredirect') return { message: 'the master this page took for the leader is not leading any more: retry in a moment', details: [] };
  const text = await res.text();
  try {
    const j = JSON.parse(text) as { message?: string; details?: Detail[] };
    return { message: `${res.status} ${j.message ?? text.slice(0, 300)}`, details: Array.isArray(j.details) ? j.details : [] };
  } catch {
    return { message: `${res.status} ${text.slice(0, 300)}`, details: [] };
  }
}

export function CreateApp({ onCreated }: { onCreated: (id: string) => void }): JSX.Element {
  const [values, setValues] = useState<Record<Key, string>>({ id: '', cmd: '', instances: '1', cpus: '0.1', mem: '32', health: '' });
  const [json, setJson] = useState('');
  const [result, setResult] = useState<{ message: string; details: Detail[]; from: 'form' | 'json' } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (from: 'form' | 'json', e: Event): Promise<void> => {
    e.preventDefault();
    let body: unknown;
    if (from === 'json') {
      try {
        body = JSON.parse(json) as unknown;
      } catch (err) {
        setResult({ message: 'The definition is not JSON', details: [{ path: '/', errors: [err instanceof Error ? err.message : String(err)] }], from });
        return;
      }
    } else {
      const num = (k: Key): number | string => (values[k].trim() === '' ? values[k] : Number(values[k]));
      body = {
        id: values.id.trim(), ...(values.cmd.trim() !== '' ? { cmd: values.cmd } : {}), instances: num('instances'), cpus: num('cpus'), mem: num('mem'),
        // A COMMAND check run in the task's sandbox: first after 1 s, then every 5 s (Marathon's defaults: 15 s, a minute).
        ...(values.health.trim() !== '' ? { healthChecks: [{ protocol: 'COMMAND', command: { value: values.health }, delaySeconds: 1, intervalSeconds: 5, gracePeriodSeconds: 30 }] } : {}),
      };
    }
    setBusy(true);
    const r = await createApp(body);
    setBusy(false);
    if (r === null) {
      setResult(null);
      const id = typeof (body as { id?: unknown }).id === 'string' ? (body as { id: string }).id : '';
      onCreated(id.startsWith('/') ? id : `/${id}`);
    } else setResult({ ...r, from });
  };
  // The scheduler names a field by its path: `/cpus`, and the health check's as `/healthChecks(0)/...`.
  const pathOfField = (k: Key): string => (k === 'health' ? '/healthChecks(0)' : `/${k}`);
  const names = (k: Key, path: string): boolean => path === pathOfField(k) || (k === 'health' && path.startsWith('/healthChecks(0)/'));
  const fieldErrors = (k: Key): string[] => (result?.from === 'form' ? result.details.filter((d) => names(k, d.path)).flatMap((d) => d.errors) : []);
  const otherErrors = result ? result.details.filter((d) => result.from === 'json' || !FIELDS.some((f) => names(f.key, d.path))) : [];
  return (
    <Section title="Create an app">
      {result ? (
        <div class="error" role="alert">
          {result.message}
          {otherErrors.length > 0 ? <ul>{otherErrors.map((d) => <li><code>{d.path}</code>: {d.errors.join('; ')}</li>)}</ul> : null}
        </div>
      ) : null}
      <form class="filters app-form" aria-label="Create an app" onSubmit={(e) => void submit('form', e)} noValidate>
        {FIELDS.map((f) => {
          const errs = fieldErrors(f.key);
          return (
            <label>
              {f.label}
              <input name={f.key} inputMode={f.type === 'number' ? 'decimal' : undefined} placeholder={f.hint} value={values[f.key]} aria-invalid={errs.length > 0 ? 'true' : undefined}
                aria-describedby={errs.length > 0 ? `err-${f.key}` : undefined} onInput={(e) => { const v = e.currentTarget.value; setValues((old) => ({ ...old, [f.key]: v })); }} />
              {errs.length > 0 ? <span id={`err-${f.key}`} class="field-error">{errs.join('; ')}</span> : null}
            </label>
          );
        })}
        <button type="submit" disabled={busy}>Create</button>
      </form>
      <details>
        <summary>Or paste an app definition (JSON, as for POST /v2/apps)</summary>
        <form class="app-json" aria-label="Create an app from JSON" onSubmit={(e) => void submit('json', e)}>
          <label>
            App definition
            <textarea name="definition" rows={8} value={json} onInput={(e) => setJson(e.currentTarget.value)} placeholder={'{"id": "/web", "cmd": "python3 -m http.server $PORT0", "cpus": 0.1, "mem": 64, "instances": 1}'} />
          </label>
          <button type="submit" disabled={busy}>Create from JSON</button>
        </form>
      </details>
    </Section>
  );
}
