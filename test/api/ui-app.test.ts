import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { uiApp } from '../../src/api/ui-app.js';
import { installErrorHandling } from '../../src/api/http-errors.js';
import { uiBundle, type UiBundle } from '../../src/ui/assets.js';
import { silentLogger } from '../../src/lib/log.js';

const bundle: UiBundle = {
  files: {
    'index.html': { type: 'text/html; charset=utf-8', body: '<script src="/ui/app-abc.js"></script>', immutable: false },
    'app-abc.js': { type: 'text/javascript; charset=utf-8', body: 'console.log(1)', immutable: true },
  },
};

const app = (b: () => Promise<UiBundle>): Hono => {
  const a = new Hono();
  installErrorHandling(a, silentLogger);
  a.route('/', uiApp(b));
  return a;
};

describe('uiApp (the web UI on a master)', () => {
  it('serves index.html uncached and hashed assets immutable, with their types', async () => {
    const a = app(() => Promise.resolve(bundle));
    const index = await a.request('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const js = await a.request('/ui/app-abc.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log(1)');
    expect((await a.request('/ui/index.html')).status).toBe(404);
    expect(await (await a.request('/ui/nope.js')).json()).toEqual({ code: 'NOT_FOUND', message: 'no UI asset named "nope.js"' });
  });

  it('answers a UI that cannot be built with a 500 that says why', async () => {
    const r = await app(() => Promise.reject(new Error('syntax error in app.tsx'))).request('/');
    expect(r.status).toBe(500);
    expect(((await r.json()) as { message: string }).message).toContain('syntax error in app.tsx');
  });

  it('builds the UI from source when nothing is embedded (a tsx run)', async () => {
    const b = await uiBundle();
    const names = Object.keys(b.files);
    expect(names).toContain('index.html');
    const js = names.find((n) => /^app-[0-9a-f]{12}\.js$/.test(n))!;
    expect(b.files['index.html']!.body).toContain(`/ui/${js}`);
    expect(b.files[js]!.body.length).toBeGreaterThan(1000);
    expect(await uiBundle()).toBe(b);
  });
});
