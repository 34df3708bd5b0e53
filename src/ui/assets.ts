import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { UiBundle } from './bundle.js';
import { EMBEDDED_UI } from './embedded.js';

export type { UiBundle, UiFile } from './bundle.js';

let pending: Promise<UiBundle> | null = null;

/**
 * The web UI's files: the copy embedded at build time, or (source run under tsx: nothing was
 * embedded) a build made once on first use with build/ui.mjs and esbuild from node_modules.
 * A failed source build is not cached, so fixing the source and reloading the page retries.
 */
export function uiBundle(): Promise<UiBundle> {
  if (EMBEDDED_UI !== null) return Promise.resolve(EMBEDDED_UI);
  pending ??= buildFromSource().catch((e: unknown) => {
    pending = null;
    throw e;
  });
  return pending;
}

async function buildFromSource(): Promise<UiBundle> {
  // A computed specifier: the server bundle never pulls in esbuild; only a source run gets here.
  const builder = pathToFileURL(path.join(import.meta.dirname, '..', '..', 'build', 'ui.mjs')).href;
  const mod = (await import(builder)) as { buildUi(opts: { minify: boolean }): Promise<UiBundle> };
  return mod.buildUi({ minify: false });
}
