import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { compression } from 'vite-plugin-compression2';

// Everything is bundled and served by the Hearth server itself: no CDN, no web fonts, no third party.
// Every script, style sheet and page is also written brotli- and gzip-compressed, once, here: the server sends
// the variant the browser accepts (server/src/app/clientFiles.ts) and never compresses on the fly.
// The manifest (dist/.vite/manifest.json) tells which chunks the first screen needs (tests/support/bundle.ts).
export default defineConfig({
  plugins: [
    svelte(),
    compression({
      algorithms: ['brotliCompress', 'gzip'],
      include: /\.(html|css|js|svg)$/,
      skipIfLargerOrEqual: false,
      logLevel: 'silent',
    }),
  ],
  build: {
    outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022', manifest: true,
    // The lazily loaded libsodium chunk carries its WebAssembly inline (about 520 kB before compression). What
    // must stay small is the first screen: tests/fast/bundle.test.ts holds it to 80 KB gzipped.
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/socket.io': { target: 'http://localhost:8080', ws: true } },
  },
});
