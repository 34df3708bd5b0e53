// Bundles the web UI (src/ui/app, Preact + TypeScript) into a few in-memory files: index.html,
// one JS and one CSS file whose names carry a content hash (served immutable). Used by
// build/build.mjs, which embeds the result in the executable (src/ui/embedded.ts is replaced by
// the generated files at bundle time), and by src/ui/assets.ts in a source run (tsx), which
// builds on the first GET / instead. No network, no files written.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const appDir = join(root, 'src', 'ui', 'app');

const hash = (text) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** @returns {Promise<{ files: Record<string, { type: string; body: string; immutable: boolean }> }>} */
export async function buildUi({ minify = true } = {}) {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { app: join(appDir, 'main.tsx') },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(appDir, 'tsconfig.json'),
    minify,
    sourcemap: false,
    legalComments: 'none',
    write: false,
    outdir: join(root, 'build', 'out', 'ui'),
    logLevel: 'warning',
  });
  if (result.errors.length > 0) throw new Error('esbuild reported errors bundling the UI');
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text;
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
  if (js === undefined) throw new Error('the UI bundle has no JavaScript output');
  const jsName = `app-${hash(js)}.js`;
  const cssName = `app-${hash(css)}.css`;
  const html = readFileSync(join(appDir, 'index.html'), 'utf8')
    .replace('%APP_JS%', `/ui/${jsName}`)
    .replace('%APP_CSS%', `/ui/${cssName}`);
  return {
    files: {
      'index.html': { type: 'text/html; charset=utf-8', body: html, immutable: false },
      [jsName]: { type: 'text/javascript; charset=utf-8', body: js, immutable: true },
      [cssName]: { type: 'text/css; charset=utf-8', body: css, immutable: true },
    },
  };
}
