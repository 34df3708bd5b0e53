// The shape of the built web UI (build/ui.mjs produces it; src/ui/embedded.ts holds it in the executable).

export interface UiFile {
  /** Content-Type. */
  type: string;
  body: string;
  /** Content-hashed name: cacheable forever. index.html is not. */
  immutable: boolean;
}

/** File name (no leading slash) -> file; always has `index.html`. */
export interface UiBundle {
  files: Record<string, UiFile>;
}
