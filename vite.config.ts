import path from 'node:path';
import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

export default defineConfig({
  root: path.resolve(import.meta.dirname, 'client'),
  plugins: [solid()],
  build: {
    outDir: path.resolve(import.meta.dirname, 'dist/client'),
    emptyOutDir: true,
    target: 'es2022',
    // Inlined assets would be data: URLs; the CSP allows them for images only, so keep files separate.
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
});
