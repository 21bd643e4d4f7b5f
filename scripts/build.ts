/**
 * npm run build — bundles each component binary's entry (cmd/<binary>/main.ts)
 * into one ESM file, dist/<binary>.js, for Node 24. `npm run start:*`, the
 * image and the chart run these files; development and tests keep running the
 * .ts sources through Node's type stripping.
 *
 * Why bundled JavaScript: the type-stripping loader alone holds about 17 MB per
 * process, and resolving, reading and wrapping some hundreds of files from
 * node_modules one by one costs memory that one file does not (issue 17,
 * section 3). See docs/development.md.
 *
 *   node scripts/build.ts [binary...]   (default: every binary in BINARIES)
 */
import { build, type Plugin } from 'esbuild';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(ROOT, 'dist');

/** The component binaries the image and the chart start. `dev` and `enqueue` are developer tools and stay .ts. */
export const BINARIES = ['cache-sidecar', 'llm-proxy', 'worker', 'controller', 'injector', 'app'] as const;

/**
 * Left out of the bundles, loaded from node_modules at run time:
 * - the OpenTelemetry SDK and its exporters: imported dynamically only when
 *   OTEL_EXPORTER_OTLP_ENDPOINT is set (pkg/metrics/telemetry.ts), so a
 *   process without OTLP never reads them; bundling them would only grow every
 *   file. The API (`@opentelemetry/api`) is bundled: the metrics registry uses it always.
 * - `bufferutil`, `utf-8-validate`: optional native speed-ups `ws` tries in a
 *   try/catch; not installed, and native code cannot be bundled.
 */
export const EXTERNAL = [
  '@opentelemetry/sdk-node',
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/exporter-metrics-otlp-http',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/resources',
  'bufferutil',
  'utf-8-validate',
];

/**
 * CommonJS dependencies inside an ESM bundle still call `require` for Node's
 * built-ins and read `__filename`/`__dirname`: give them the real ones.
 */
const BANNER = [
  "import { createRequire as __pfCreateRequire } from 'node:module';",
  "import { fileURLToPath as __pfFileURLToPath } from 'node:url';",
  'const require = __pfCreateRequire(import.meta.url);',
  'const __filename = __pfFileURLToPath(import.meta.url);',
  "const __dirname = __pfFileURLToPath(new URL('.', import.meta.url));",
].join('\n');

/**
 * A project module that finds files beside itself (`new URL('./assets/',
 * import.meta.url)`) would look in dist/ once bundled: point its
 * import.meta.url back at its source file, relative to the bundle, so the
 * lookup finds the same files (the image ships pkg/).
 */
const sourceRelativeImportMeta: Plugin = {
  name: 'source-relative-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]pkg[\\/].*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const fromBundle = relative(OUT_DIR, args.path).split('\\').join('/');
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

/**
 * The project's modules only declare (no module changes anything when it is
 * imported; none is imported for its effect alone), so a module none of whose
 * exports a binary uses is left out with everything it imports. Without this,
 * a barrel `index.ts` would pull every dependency of its folder into every
 * bundle: the cache sidecar would carry undici's 1 MB for the app's sidecar
 * client it never calls.
 */
const projectModulesAreSideEffectFree: Plugin = {
  name: 'project-modules-side-effect-free',
  setup(b) {
    b.onResolve({ filter: /^(#pkg\/|\.{1,2}\/)/ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      const resolved = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolving' });
      if (resolved.errors.length > 0 || !resolved.path.startsWith(join(ROOT, 'pkg') + '/')) return undefined;
      return { ...resolved, sideEffects: false };
    });
  },
};

/**
 * Node's built-ins are loaded with `require`, not `import`: an ESM import
 * builds the module's namespace, which reads every export, and some exports
 * are lazy getters that load much more. `node:http`'s WebSocket, CloseEvent
 * and MessageEvent getters load Node's internal undici (about 750 KB of
 * source, some 10 MB of RSS) that no Pilotfish binary serves with; `node:crypto`'s
 * `webcrypto` loads Web Crypto. `require` returns the exports object untouched.
 */
/**
 * Built-ins that dependencies require at start-up but use only on paths a
 * binary may never take: `tls` and `https` (ioredis for `rediss://`,
 * prom-client's Pushgateway; `tls` alone is about 5 MB of RSS), `zlib`,
 * `cluster`, `child_process`, `dgram`, `assert`. They are loaded on first use.
 */
export const LAZY_BUILTINS: ReadonlySet<string> = new Set(['tls', 'https', 'zlib', 'cluster', 'child_process', 'dgram', 'assert']);

/**
 * The CommonJS module a bundle gets for a built-in. A lazy one is a proxy
 * that requires the real module on first use (a property read, a call as for
 * `assert(...)`, `new`); the target is an arrow function so calls pass through
 * and the proxy has no non-configurable property of its own to contradict.
 * An ESM `import` of it still loads it at once (the namespace copies every export).
 */
export function builtinModuleSource(specifier: string): string {
  const name = specifier.replace(/^node:/, '');
  const load = `require(${JSON.stringify(`node:${name}`)})`;
  if (!LAZY_BUILTINS.has(name)) return `module.exports = ${load};`;
  return `let real;
const load = () => (real ??= ${load});
module.exports = new Proxy(() => {}, {
  get: (_, key) => load()[key],
  set: (_, key, value) => { load()[key] = value; return true; },
  has: (_, key) => key in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, key) => {
    const d = Reflect.getOwnPropertyDescriptor(load(), key);
    return d && { ...d, configurable: true };
  },
  getPrototypeOf: () => Reflect.getPrototypeOf(load()),
  apply: (_, self, args) => Reflect.apply(load(), self, args),
  construct: (_, args, target) => Reflect.construct(load(), args),
});`;
}

const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(b) {
    const names = new Set(builtinModules);
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      // The stub's own `require` goes to Node at run time.
      if (args.namespace === 'builtin-require') return { path: args.path, external: true };
      const bare = args.path.replace(/^node:/, '');
      if (!names.has(bare) && !args.path.startsWith('node:')) return undefined;
      return { path: `node:${bare}`, namespace: 'builtin-require' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({ contents: builtinModuleSource(args.path), loader: 'js' }));
  },
};

export const PLUGINS = [builtinsThroughRequire, projectModulesAreSideEffectFree, sourceRelativeImportMeta];

/**
 * Builds `binaries` into dist/. Each bundle is written to a private staging
 * folder beside dist/ and renamed into place, so a build that runs while a
 * test or another build starts dist/<binary>.js never exposes a half-written file.
 */
export async function buildBinaries(binaries: readonly string[] = BINARIES): Promise<string[]> {
  const unknown = binaries.filter((b) => !(BINARIES as readonly string[]).includes(b));
  if (unknown.length > 0) throw new Error(`unknown binary ${unknown.join(', ')}: one of ${BINARIES.join(', ')}`);
  await mkdir(OUT_DIR, { recursive: true });
  // Staged inside the checkout, so bundles there resolve node_modules exactly as from dist/.
  const staging = await mkdtemp(join(ROOT, '.dist-staging-'));
  try {
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: Object.fromEntries(binaries.map((b) => [b, `cmd/${b}/main.ts`])),
      outdir: staging,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node24',
      external: EXTERNAL,
      banner: { js: BANNER },
      plugins: PLUGINS,
      // Whitespace and comments go (the source text is held in memory);
      // identifiers stay, so stack traces and heap snapshots read as the source.
      minifyWhitespace: true,
      minifySyntax: true,
      sourcemap: 'linked',
      legalComments: 'none',
      logLevel: 'warning',
    });
    if (result.errors.length > 0) throw new Error(`build failed: ${result.errors.length} errors`);
    for (const b of binaries) {
      await rename(join(staging, `${b}.js.map`), join(OUT_DIR, `${b}.js.map`));
      await rename(join(staging, `${b}.js`), join(OUT_DIR, `${b}.js`));
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return binaries.map((b) => join(OUT_DIR, `${b}.js`));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outputs = await buildBinaries(process.argv.slice(2).length > 0 ? process.argv.slice(2) : BINARIES);
  for (const file of outputs) console.log(`built ${relative(ROOT, file)}`);
}
