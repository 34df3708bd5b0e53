// Builds the single-file executable build/out/tsmesos (Node single-executable application).
//
//   1. esbuild bundles src/main.ts (+ all dependencies, including better-sqlite3's JS) into ONE
//      script. SEA wants a CommonJS main, esbuild cannot emit top-level await as CJS, so we bundle
//      as ESM with *no* import statements (node builtins are turned into require() calls by the
//      plugin below), map import.meta.* to CJS equivalents, and wrap the whole thing in an async
//      IIFE: valid CJS, and top-level await keeps working.
//      Before that, build/ui.mjs bundles the web UI (src/ui/app) and the embed-ui plugin puts its
//      files into the server bundle as src/ui/embedded.ts: the executable serves the UI itself.
//   2. sea-config.json embeds that script plus better-sqlite3's prebuilt addon as the asset
//      `better_sqlite3.node` (src/lib/sqlite.ts extracts and dlopen()s it at run time).
//   3. The pinned Node 24 binary is copied, stripped (BEFORE injection, never after) and the
//      blob injected with postject.
//
// Usage: npm run build   (env: TSMESOS_SEA_CODE_CACHE=0 to disable the V8 code cache,
//                         SOURCE_DATE_EPOCH for a reproducible build date)
// The executable ignores NODE_OPTIONS; pass Node flags as: tsmesos --node-options="--inspect" up
//
// Why not @yao-pkg/pkg: its classic mode downloads patched Node binaries (fails offline); its SEA mode
// builds offline only with its download cache seeded by hand, is 15% larger unless handed a pre-stripped
// Node, takes ~30 ms more CPU per start and cannot see our SQLite asset. Figures and method:
// bench/results/pkg-sea-2026-12-01.txt.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import * as esbuild from 'esbuild';
import { buildUi } from './ui.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'build', 'out');
const rel = (p) => relative(root, p) || '.';
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const ADDON_ASSET = 'better_sqlite3.node'; // must match SQLITE_ADDON_ASSET in src/lib/sqlite.ts

class BuildError extends Error {}

function fail(step, detail) {
  throw new BuildError(`build failed at step "${step}": ${detail}`);
}

function step(name) {
  process.stdout.write(`[build] ${name}\n`);
}

/** Runs a program, inheriting stdio; fails loudly on spawn error, signal or non-zero exit. */
function run(stepName, cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) fail(stepName, `cannot run ${cmd}: ${r.error.message}`);
  if (r.signal) fail(stepName, `${cmd} killed by ${r.signal}`);
  if (r.status !== 0) fail(stepName, `${cmd} ${args.join(' ')} exited with status ${r.status}`);
  return r;
}

// ---------------------------------------------------------------------------

function pinnedNode() {
  const link = join(root, 'node_modules', '.bin', 'node');
  if (!existsSync(link)) fail('locate node', `${rel(link)} missing: run npm install (devDependency "node" pins the runtime)`);
  const bin = realpathSync(link);
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) fail('locate node', `${bin} --version failed: ${r.stderr || r.error?.message}`);
  const version = r.stdout.trim();
  const wanted = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies?.node;
  if (wanted && version !== `v${wanted}`) fail('locate node', `${bin} is ${version}, package.json pins node@${wanted}`);
  if (!version.startsWith('v24.')) fail('locate node', `${bin} is ${version}; the SEA route here is written for Node 24`);
  // It is the runtime baked into the executable, so it must match the machine we build for.
  const head = readFileSync(bin).subarray(0, 4);
  if (head.toString('latin1') !== '\x7fELF') fail('locate node', `${bin} is not an ELF binary (only Linux builds are supported)`);
  return { bin, version };
}

function isMusl() {
  const report = process.report?.getReport?.();
  return process.platform === 'linux' && report && !report.header?.glibcVersionRuntime;
}

function sqliteAddon() {
  const target = `${isMusl() ? 'linuxmusl' : process.platform}-${process.arch}`;
  const file = join(root, 'node_modules', 'better-sqlite3', 'prebuilds', `${target}.node`);
  if (!existsSync(file)) fail('locate sqlite addon', `no prebuilt better-sqlite3 addon for ${target} at ${rel(file)}`);
  return file;
}

/**
 * Node builtins become `module.exports = require("fs")` shims, so the ESM bundle has no import
 * statements; esbuild emits those require() calls through its __require helper, which picks up
 * the CJS `require` of the wrapper (in the SEA: the builtin-only require, which is all we need).
 */
const builtinsAsRequire = {
  name: 'builtins-as-require',
  setup(b) {
    const builtins = new Set(builtinModules.map((m) => m.replace(/^node:/, '')));
    b.onResolve({ filter: /^(node:)?[a-z0-9_/]+$/ }, (args) => {
      if (args.namespace === 'builtin') return { path: args.path, external: true };
      const bare = args.path.replace(/^node:/, '');
      if (!args.path.startsWith('node:') && !builtins.has(bare)) return undefined;
      return { path: args.path, namespace: 'builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/** src/ui/embedded.ts becomes the built UI (build/ui.mjs), so the executable serves it with no file beside it. */
function embedUi(ui) {
  const target = join(root, 'src', 'ui', 'embedded.ts');
  return {
    name: 'embed-ui',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]ui[\\/]embedded\.ts$/ }, (args) => {
        if (args.path !== target) return undefined;
        return { contents: `export const EMBEDDED_UI = ${JSON.stringify(ui)};\n`, loader: 'js' };
      });
    },
  };
}


/**
 * dockerode -> docker-modem -> ssh2 (for ssh:// engines, which tsmesos does not use) tries two
 * optional native addons inside try/catch and falls back to JavaScript: bundle them as modules
 * that throw, so the fallback runs (the SEA's require could not load a .node file anyway).
 */
const optionalNativeAddons = {
  name: 'optional-native-addons',
  setup(b) {
    b.onResolve({ filter: /(\.node$)|(^cpu-features$)/ }, (args) =>
      args.importer.includes(`${'node_modules'}/ssh2/`) || args.path === 'cpu-features' ? { path: args.path, namespace: 'optional-addon' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'optional-addon' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`optional native addon ${args.path} is not bundled`)});`,
      loader: 'js',
    }));
  },
};

async function bundle(version, buildDate, ui) {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(root, 'src', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    write: false,
    outfile: join(outDir, 'bundle.mjs'),
    plugins: [builtinsAsRequire, embedUi(ui), optionalNativeAddons],
    define: {
      __TSMESOS_VERSION__: JSON.stringify(version),
      __TSMESOS_BUILD_DATE__: JSON.stringify(buildDate),
      'import.meta.url': '__tsmesos_import_meta.url',
      'import.meta.filename': '__tsmesos_import_meta.filename',
      'import.meta.dirname': '__tsmesos_import_meta.dirname',
    },
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
  if (result.errors.length > 0) fail('bundle', 'esbuild reported errors');
  const esm = result.outputFiles[0].text;
  // `__filename` is the bundle when run with `node tsmesos.cjs`, the executable inside the SEA.
  const cjs = [
    '"use strict";',
    '// Generated by build/build.mjs: an ESM bundle (top-level await) wrapped in an async CJS IIFE.',
    '(async () => {',
    'const __tsmesos_import_meta = { url: require("node:url").pathToFileURL(__filename).href, filename: __filename, dirname: __dirname };',
    esm,
    '})().catch((err) => { process.nextTick(() => { throw err; }); });',
    '',
  ].join('\n');
  // Anything still ESM-only would make the SEA main fail at run time: catch it now.
  if (/\bimport\.meta\b/.test(esm.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, ''))) {
    fail('bundle', 'a bare `import.meta` survived bundling; only import.meta.url/filename/dirname are mapped');
  }
  try {
    new vm.Script(cjs, { filename: 'tsmesos.cjs' });
  } catch (e) {
    fail('bundle', `wrapped bundle is not a valid CommonJS script (${e.message}); a static import/export leaked?`);
  }
  const file = join(outDir, 'tsmesos.cjs');
  writeFileSync(file, cjs);
  writeFileSync(join(outDir, 'meta.json'), JSON.stringify(result.metafile));
  return file;
}

async function main() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const buildDate = (epoch ? new Date(Number(epoch) * 1000) : new Date()).toISOString();
  const useCodeCache = process.env.TSMESOS_SEA_CODE_CACHE !== '0';

  step('checking tools');
  const node = pinnedNode();
  const addon = sqliteAddon();
  for (const tool of ['strip']) {
    const r = spawnSync(tool, ['--version'], { stdio: 'ignore' });
    if (r.error || r.status !== 0) fail('checking tools', `\`${tool}\` not found (apt-get install binutils)`);
  }
  const postject = join(root, 'node_modules', 'postject', 'dist', 'cli.js');
  if (!existsSync(postject)) fail('checking tools', `${rel(postject)} missing: run npm install`);

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  step('bundling the web UI (src/ui/app)');
  const ui = await buildUi({ minify: true });
  const uiBytes = Object.values(ui.files).reduce((n, f) => n + Buffer.byteLength(f.body), 0);
  step(`web UI: ${Object.entries(ui.files).map(([name, f]) => `${name} ${(Buffer.byteLength(f.body) / 1024).toFixed(1)} KB`).join(', ')} (${(uiBytes / 1024).toFixed(1)} KB)`);

  step(`bundling src/main.ts (tsmesos ${pkg.version}, ${buildDate})`);
  const mainScript = await bundle(pkg.version, buildDate, ui);
  const jsName = Object.keys(ui.files).find((n) => n.endsWith('.js'));
  if (!readFileSync(mainScript, 'utf8').includes(JSON.stringify(jsName))) fail('bundle', 'the web UI was not embedded (src/ui/embedded.ts not replaced)');

  step(`preparing SEA blob with ${node.version} (code cache: ${useCodeCache ? 'on' : 'off'})`);
  const blob = join(outDir, 'sea-prep.blob');
  const seaConfig = join(outDir, 'sea-config.json');
  writeFileSync(
    seaConfig,
    JSON.stringify(
      {
        main: mainScript,
        output: blob,
        disableExperimentalSEAWarning: true,
        useSnapshot: false,
        useCodeCache,
        // Ignore NODE_OPTIONS (an operator's or a parent Node process' flags must not change the
        // daemon); Node flags can still be given explicitly: tsmesos --node-options="--inspect" up
        execArgvExtension: 'cli',
        assets: { [ADDON_ASSET]: addon },
      },
      null,
      2,
    ) + '\n',
  );
  run('sea blob', node.bin, ['--experimental-sea-config', seaConfig]);
  if (!existsSync(blob)) fail('sea blob', `${rel(blob)} was not produced`);

  step('copying and stripping the node binary');
  const exe = join(outDir, 'tsmesos');
  copyFileSync(node.bin, exe);
  chmodSync(exe, 0o755);
  run('strip', 'strip', [exe]); // strip BEFORE injection: stripping afterwards would drop the blob

  step('injecting the blob');
  run('postject', node.bin, [postject, exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
  chmodSync(exe, 0o755);

  step('smoke test');
  const r = spawnSync(exe, ['version'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' }, cwd: outDir });
  const expected = `tsmesos ${pkg.version}`;
  if (r.error || r.status !== 0 || r.stdout.trim() !== expected) {
    fail('smoke test', `${rel(exe)} version: status ${r.status}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}, error ${r.error?.message ?? 'none'}`);
  }

  const size = statSync(exe).size;
  process.stdout.write(`[build] ok: ${rel(exe)} ${(size / 1024 / 1024).toFixed(1)} MB (${size} bytes)\n`);
}

main().catch((e) => {
  process.stderr.write(`\n${e instanceof BuildError ? e.message : `build failed: ${e?.stack ?? e}`}\n`);
  process.exit(1);
});
