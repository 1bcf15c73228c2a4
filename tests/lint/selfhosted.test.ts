import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

// Everything the page loads is self-hosted (issue 12, item 4), read from the built client as the server sends it
// (client/dist: HTML, CSS, JS and their .br/.gz copies). Two checks: no place that makes the browser load something
// (@import, url(), src=/href= of an element that fetches, fetch()/import()/new Worker()/... of a literal) names
// another host, and no STUN or TURN URL is written into the client; and every absolute URL anywhere in those files
// is one this test knows to be inert (a namespace, an RTP header extension's name, a link in an error message), so
// a new one has to be looked at. The browser test tests/e2e/thirdparty.test.ts watches a real session's traffic.

const DIST = fileURLToPath(new URL('../../client/dist', import.meta.url));

/** A URL with a scheme and `//`, or protocol-relative: it names a host. */
const HOST_URL = String.raw`(?:[a-z][a-z0-9+.-]*:)?\/\/`;
/** Places where a browser loads what is named, each followed by a URL that names a host. */
const LOADERS: [string, RegExp][] = [
  ['CSS @import', new RegExp(String.raw`@import\s+(?:url\(\s*)?["']?\s*${HOST_URL}`, 'gi')],
  ['CSS url()', new RegExp(String.raw`\burl\(\s*["'\`]?\s*${HOST_URL}`, 'gi')],
  ['an element that loads (src/href/srcset/data/poster)', new RegExp(
    String.raw`<(?:link|script|img|iframe|frame|source|audio|video|track|embed|object|image|use|input)\b[^>]*?\s(?:src|href|srcset|data|poster|xlink:href)\s*=\s*\\?["']?\s*${HOST_URL}`, 'gi')],
  ['a fetching call', new RegExp(
    String.raw`\b(?:fetch|import|importScripts|sendBeacon|EventSource|WebSocket|Worker|SharedWorker|addModule|register|open)\s*\(\s*["'\`]\s*${HOST_URL}`, 'g')],
  ['a src/href assignment', new RegExp(String.raw`\.(?:src|href|action)\s*=\s*["'\`]\s*${HOST_URL}`, 'g')],
  ['a source map elsewhere', new RegExp(String.raw`sourceMappingURL=\s*${HOST_URL}`, 'g')],
  ['a STUN or TURN server', /["'`]\s*(?:stuns?|turns?):/gi],
];

/** Absolute URLs that are written in the client but never loaded, each with why. */
const INERT: [RegExp, string][] = [
  [/^http:\/\/www\.w3\.org\/(?:1999\/xhtml|2000\/svg|1999\/xlink|1998\/Math\/MathML|XML\/1998\/namespace|2000\/xmlns\/)$/, 'an XML namespace name'],
  [/^http:\/\/www\.webrtc\.org\/experiments\/rtp-hdrext\/[\w-]+$/, 'an RTP header extension name (SDP)'],
  [/^http:\/\/www\.ietf\.org\/id\/draft-holmer-rmcat-transport-wide-cc-extensions-01$/, 'an RTP header extension name (SDP)'],
  [/^https:\/\/aomediacodec\.github\.io\/av1-rtp-spec\/#dependency-descriptor-rtp-header-extension$/, 'an RTP header extension name (SDP)'],
  [/^https:\/\/svelte\.dev\/e\/\w+$/, 'a link in one of Svelte\'s error messages'],
  [/^https:\/\/socket\.io\/docs\/v3\/migrating-from-2-x-to-3-0\/$/, 'a link in one of socket.io\'s error messages'],
];
const ABSOLUTE = /\b(?:https?|wss?):\/\/[^\s"'`)<>\\,;]+/gi;

interface Finding {
  file: string;
  what: string;
  text: string;
}

/** What in `text` makes a browser load from another host, or writes an ICE server in. */
function loadsElsewhere(file: string, text: string): Finding[] {
  const found: Finding[] = [];
  for (const [what, pattern] of LOADERS) {
    for (const m of text.matchAll(pattern)) found.push({ file, what, text: text.slice(m.index, m.index + m[0].length + 60) });
  }
  return found;
}

/** The absolute URLs in `text` that are not known to be inert. */
function unknownUrls(file: string, text: string): Finding[] {
  return [...text.matchAll(ABSOLUTE)]
    .map((m) => m[0])
    .filter((url) => !INERT.some(([pattern]) => pattern.test(url)))
    .map((url) => ({ file, what: 'an absolute URL not known to be inert', text: url }));
}

/** The files the server sends (dotfiles and source maps are not pages' resources), decompressed. */
function servedFiles(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full);
    if (!entry.isFile() || rel.split(path.sep).some((p) => p.startsWith('.'))) continue;
    const m = /\.(html|css|js|mjs)(\.br|\.gz)?$/.exec(entry.name);
    if (!m) continue;
    const raw = fs.readFileSync(full);
    const body = m[2] === '.br' ? brotliDecompressSync(raw) : m[2] === '.gz' ? gunzipSync(raw) : raw;
    out.push({ file: rel, text: body.toString('utf8') });
  }
  return out;
}

describe('the scanner itself', () => {
  it('finds what would load from elsewhere and passes what does not', () => {
    const bad = [
      '<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter">',
      '@import url("https://fonts.googleapis.com/css2?family=Inter");',
      '@font-face{font-family:X;src:url(//cdn.example.com/x.woff2)}',
      '<script src="https://cdn.example.com/a.js"></script>',
      '$.from_html(`<img src=\\"https://tracker.example.com/p.gif\\">`)',
      'fetch("https://api.example.com/v1")',
      'new Worker(`https://cdn.example.com/w.js`)',
      'a.src="https://cdn.example.com/x.js"',
      '{iceServers:[{urls:"stun:stun.l.google.com:19302"}]}',
    ];
    for (const text of bad) expect(loadsElsewhere('sample', text), text).not.toEqual([]);
    const fine = [
      '<link rel="icon" href="data:," />', '<script type="module" src="/assets/index-abc.js"></script>',
      '@font-face{font-family:X;src:url(/assets/x.woff2)}', 'fetch("/api/sessions")', 'new URL("./frameWorker.js",import.meta.url)',
      'createElementNS("http://www.w3.org/2000/svg","svg")', 'if(s.turn)turn:this.view?.turn', '{turns:t}',
    ];
    for (const text of fine) expect(loadsElsewhere('sample', text), text).toEqual([]);
  });

  it('knows the inert URLs precisely, not by host', () => {
    expect(unknownUrls('s', '"http://www.w3.org/2000/svg" "https://svelte.dev/e/effect_orphan"')).toEqual([]);
    expect(unknownUrls('s', '"https://fonts.gstatic.com/s/inter.woff2"')).toHaveLength(1);
    expect(unknownUrls('s', '"https://svelte.dev/favicon.png"')).toHaveLength(1);
    expect(unknownUrls('s', '"http://www.w3.org/2000/svg/extra.css"')).toHaveLength(1);
  });
});

const built = fs.existsSync(path.join(DIST, 'index.html'));

describe('the built client (client/dist) loads nothing from another host', () => {
  const files = built ? servedFiles(DIST) : [];

  it('the build is there, with its pages, styles and scripts', () => {
    expect(built, 'client not built: the test command builds it first').toBe(true);
    for (const ext of ['.html', '.css', '.js']) expect(files.some((f) => f.file.endsWith(ext)), ext).toBe(true);
  });

  it('no @import, url(), loading element or fetching call names another host, and no STUN/TURN URL', () => {
    expect(files.flatMap((f) => loadsElsewhere(f.file, f.text))).toEqual([]);
  });

  it('every absolute URL in them is a known inert one (a namespace, an RTP extension\'s name, an error message\'s link)', () => {
    expect(files.flatMap((f) => unknownUrls(f.file, f.text))).toEqual([]);
  });

  it('fonts and icons: system fonts or files of its own, an icon that is inline', () => {
    for (const { file, text } of files.filter((f) => /\.css$/.test(f.file))) {
      for (const face of text.match(/@font-face\s*{[^}]*}/g) ?? []) {
        for (const [, src] of face.matchAll(/url\(\s*["']?([^"')]+)/g)) {
          expect(src!.startsWith('/') || src!.startsWith('./') || src!.startsWith('data:'), `${file}: ${src}`).toBe(true);
        }
      }
    }
    const index = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
    for (const [, href] of index.matchAll(/<link[^>]*rel="(?:shortcut )?icon"[^>]*href="([^"]*)"/g)) {
      expect(href!.startsWith('data:') || href!.startsWith('/'), href).toBe(true);
    }
  });
});
