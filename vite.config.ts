import path from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import solid from 'vite-plugin-solid';

/**
 * The entry (client/src/main.ts) is small and loads the board's script (start.tsx) itself, after
 * sending the first request for the tasks; a modulepreload link fetches that script together with
 * the page's, instead of after the entry has run.
 */
function preloadBoardScript(): Plugin {
  return {
    name: 'preload-board-script',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const chunk = Object.values(ctx.bundle ?? {}).find(
          (c) => c.type === 'chunk' && c.facadeModuleId?.endsWith('/src/start.tsx'),
        );
        if (!chunk) throw new Error('the board script (client/src/start.tsx) is not in the bundle');
        return [
          { tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `/${chunk.fileName}` }, injectTo: 'head' },
        ];
      },
    },
  };
}

export default defineConfig({
  root: path.resolve(import.meta.dirname, 'client'),
  plugins: [solid(), preloadBoardScript()],
  build: {
    outDir: path.resolve(import.meta.dirname, 'dist/client'),
    emptyOutDir: true,
    target: 'es2022',
    // Inlined assets would be data: URLs; the CSP allows them for images only, so keep files separate.
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
});
