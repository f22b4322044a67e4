import { defineConfig } from 'vite';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// The dashboard: built into dist/ui (packaged with the functions, served at /ui/ by functions/ui.ts).
// No plugins: Preact's JSX through the transformer's automatic runtime (tsconfig jsxImportSource).
export default defineConfig({
  root: here,
  base: '/ui/',
  publicDir: 'public',
  build: {
    outDir: path.resolve(here, '..', 'dist', 'ui'),
    emptyOutDir: true,
    target: 'es2022',
    // No inline scripts anywhere: the CSP allows scripts from this origin only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 600,
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
