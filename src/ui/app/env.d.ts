// esbuild bundles CSS imported from TypeScript into the UI's one stylesheet (build/ui.mjs).
declare module '*.css';
