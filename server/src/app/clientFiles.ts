import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { registerRelease } from './release.js';

/**
 * Serves the built client (client/dist); every session link (/s/<id>) and the host page get the single-page app.
 *
 * The build writes a brotli and a gzip copy beside every script, style sheet and page (client/vite.config.ts);
 * the server sends the one the browser accepts and never compresses on the fly. Files under assets/ are named by
 * their content's hash, so a browser keeps them for a year without asking again; index.html is always revalidated
 * (an ETag round trip), so a new release is picked up at the next visit.
 */
export function registerClient(fastify: FastifyInstance, clientDir: string): void {
  if (!clientDir) return;
  const index = path.join(clientDir, 'index.html');
  if (!fs.existsSync(index)) {
    fastify.log.warn('client build not found; run the build before starting');
    return;
  }
  // The release served: its digest is logged, and any file that disagrees with release.json is warned of.
  registerRelease(fastify, clientDir);
  void fastify.register(fastifyStatic, {
    root: clientDir,
    // An array: with preCompressed, @fastify/static looks up the index file only from a list.
    index: ['index.html'],
    preCompressed: true,
    // Cache-Control is set per file below; dotfiles (the build's .vite/manifest.json) are not served.
    cacheControl: false,
    dotfiles: 'ignore',
    setHeaders: (res, file) => {
      res.setHeader('Vary', 'Accept-Encoding');
      res.setHeader('Cache-Control', isHashedAsset(clientDir, file) ? IMMUTABLE : 'no-cache');
    },
  });
  // The single-page app's routes: a session link, and the facilitator's page.
  fastify.get('/s/:sessionId', (_req, reply) => reply.sendFile('index.html'));
  fastify.get('/host', (_req, reply) => reply.sendFile('index.html'));
  fastify.addHook('onSend', async (_req, reply, payload) => {
    // No third party may be contacted by the page, and no page may frame it.
    reply.header('Content-Security-Policy', CSP);
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Permissions-Policy', 'camera=(self), microphone=(self), geolocation=()');
    return payload;
  });
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** A file the build named by its content (assets/index-BbbASXx7.js, and its .br/.gz): it never changes. */
function isHashedAsset(root: string, file: string): boolean {
  const rel = path.relative(root, file).split(path.sep);
  return rel.length === 2 && rel[0] === 'assets' && /-[A-Za-z0-9_-]{8,}\.[a-z0-9.]+$/.test(rel[1]!);
}

const CSP = [
  "default-src 'self'",
  // WebAssembly (libsodium) needs wasm-unsafe-eval; it does not allow eval() of JavaScript.
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
