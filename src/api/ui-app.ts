import { Hono } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import { uiBundle, type UiBundle } from '../ui/assets.js';

/**
 * The web UI on a master: `GET /` is index.html (never cached: it names the current assets),
 * `GET /ui/<name>` the content-hashed JS/CSS (cached for a year, immutable). The UI routes
 * with the URL hash (`/#/agents/<id>`), so no page path can collide with an API path.
 */
export function uiApp(bundle: () => Promise<UiBundle> = uiBundle): Hono {
  const app = new Hono();
  const load = async (): Promise<UiBundle> => {
    try {
      return await bundle();
    } catch (e) {
      throw new TsmesosError('INTERNAL', `the web UI could not be built: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  app.get('/', async (c) => {
    const index = (await load()).files['index.html'];
    if (!index) throw new TsmesosError('INTERNAL', 'the web UI has no index.html');
    return c.body(index.body, 200, {
      'Content-Type': index.type,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': CSP,
    });
  });
  app.get('/ui/:name', async (c) => {
    const name = c.req.param('name');
    const f = name === 'index.html' ? undefined : (await load()).files[name];
    if (!f) throw new TsmesosError('NOT_FOUND', `no UI asset named ${JSON.stringify(name.slice(0, 80))}`);
    return c.body(f.body, 200, {
      'Content-Type': f.type,
      'Cache-Control': f.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
  });
  return app;
}

// Scripts and styles only from the master itself (no CDN); data from any master or agent (http:).
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' http:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
