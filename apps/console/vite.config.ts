import react from '@vitejs/plugin-react';
import { gzipSync } from 'node:zlib';
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
      if (kb > INITIAL_JS_LIMIT_KB) this.error(`initial JavaScript ${kb.toFixed(1)} KB gzipped exceeds ${INITIAL_JS_LIMIT_KB} KB`);
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react(), initialJsBudget()],
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
