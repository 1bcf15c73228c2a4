import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { compression } from 'vite-plugin-compression2';
import { fileURLToPath } from 'node:url';
import { releaseManifestPlugin, sourceMapPaths } from './build/release.js';

// Everything is bundled and served by the Hearth server itself: no CDN, no web fonts, no third party.
// Every script, style sheet and page is also written brotli- and gzip-compressed, once, here: the server sends
// the variant the browser accepts (server/src/app/clientFiles.ts) and never compresses on the fly.
// The manifest (dist/.vite/manifest.json) tells which chunks the first screen needs (tests/support/bundle.ts).
// The build is reproducible (tests/lint/reproducible.test.ts): the same source gives the same bytes wherever it is
// built, and dist/release.json lists every served file's SHA-256 and the release digest (docs/verify.md).
export default defineConfig({
  plugins: [
    svelte(),
    compression({
      algorithms: ['brotliCompress', 'gzip'],
      include: /\.(html|css|js|svg)$/,
      skipIfLargerOrEqual: false,
      logLevel: 'silent',
    }),
    releaseManifestPlugin(),
  ],
  build: {
    outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022', manifest: true,
    // The lazily loaded libsodium chunk carries its WebAssembly inline (about 520 kB before compression). What
    // must stay small is the first screen: tests/fast/bundle.test.ts holds it to 80 KB gzipped.
    chunkSizeWarningLimit: 600,
    rolldownOptions: { output: { sourcemapPathTransform: sourceMapPaths(fileURLToPath(new URL('..', import.meta.url))) } },
  },
  server: {
    proxy: { '/socket.io': { target: 'http://localhost:8080', ws: true } },
  },
});
