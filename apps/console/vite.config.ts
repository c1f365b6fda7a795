import react from '@vitejs/plugin-react';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * The admin console: built into apps/console/dist and served by the API at /console (same origin, so the session
 * cookie and its CSRF token need nothing else). `npm run dev:console` starts Vite on CONSOLE_DEV_PORT (5173) with
 * /api proxied to the API at CONSOLE_API (http://127.0.0.1:3000).
 */
const INITIAL_JS_LIMIT_KB = 500;

/** Prints the gzipped size of the JavaScript a first visit loads (the entry and its static imports) and fails above the limit. */
function initialJsBudget(): Plugin {
  return {
    name: 'initial-js-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = new Map(
        Object.values(bundle)
          .filter((c) => c.type === 'chunk')
          .map((c) => [c.fileName, c]),
      );
      const seen = new Set<string>();
      const visit = (name: string) => {
        const c = chunks.get(name);
        if (!c || seen.has(name) || c.type !== 'chunk') return;
        seen.add(name);
        c.imports.forEach(visit);
      };
      for (const c of chunks.values()) if (c.type === 'chunk' && c.isEntry) visit(c.fileName);
      let gz = 0;
      for (const name of seen) {
        const c = chunks.get(name);
        if (c && c.type === 'chunk') gz += gzipSync(c.code).length;
      }
      const kb = gz / 1024;
      const lazy = [...chunks.keys()].filter((n) => !seen.has(n)).length;
      console.log(
        `[console] initial JavaScript: ${kb.toFixed(1)} KB gzipped in ${seen.size} file(s) (limit ${INITIAL_JS_LIMIT_KB} KB); ${lazy} lazily loaded chunk(s)`,
      );
      if (kb > INITIAL_JS_LIMIT_KB)
        this.error(`initial JavaScript ${kb.toFixed(1)} KB gzipped exceeds ${INITIAL_JS_LIMIT_KB} KB`);
    },
  };
}

/** Files below this size are sent as they are: compressing them saves less than the headers cost. */
const PRECOMPRESS_FROM_BYTES = 1024;

/**
 * Writes a Brotli (`.br`) and a gzip (`.gz`) copy beside every script and style sheet of the build, compressed once
 * at their strongest, for the API to send to browsers that accept them (apps/api/src/ops/console-static.ts): a first
 * visit downloads about a third of the bytes, on a township office's slow line too, and no request pays for
 * compressing.
 */
function precompressed(): Plugin {
  return {
    name: 'precompressed',
    apply: 'build',
    writeBundle(options, bundle) {
      const dir = options.dir!;
      for (const file of Object.values(bundle)) {
        if (!/\.(js|css|svg)$/.test(file.fileName)) continue;
        const bytes = Buffer.from(file.type === 'chunk' ? file.code : file.source);
        if (bytes.length < PRECOMPRESS_FROM_BYTES) continue;
        const path = join(dir, file.fileName);
        writeFileSync(
          `${path}.br`,
          brotliCompressSync(bytes, {
            params: {
              [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
              [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length,
            },
          }),
        );
        writeFileSync(`${path}.gz`, gzipSync(bytes, { level: zlib.Z_BEST_COMPRESSION }));
      }
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react(), initialJsBudget(), precompressed()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    port: Number(process.env.CONSOLE_DEV_PORT ?? 5173),
    strictPort: true,
    proxy: { '/api': { target: process.env.CONSOLE_API ?? 'http://127.0.0.1:3000', changeOrigin: false } },
  },
});
