import type { UiBundle } from './bundle.js';

// The UI built into the executable. In the source tree this is null; build/build.mjs replaces
// this module's contents with the bundle from build/ui.mjs while bundling the server, so the
// single executable carries the UI with no file beside it.
export const EMBEDDED_UI: UiBundle | null = null;
