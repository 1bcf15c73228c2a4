import type { BrowserContext, CDPSession, Page } from 'playwright-core';

/**
 * Every network request a page makes, seen two ways (issue 12, "no third-party traffic"): playwright's request
 * and websocket events on the context (pages, workers, service workers), and Chromium's own DevTools Network
 * domain on the page and on every worker target it starts (Network.requestWillBeSent, Network.webSocketCreated;
 * and the Audits issues of every Content-Security-Policy block, page or worker: a blocked fetch makes no request
 * but is still an attempt), plus the securitypolicyviolation events the document reports.
 */

export interface SeenRequest {
  via: 'playwright' | 'cdp' | 'cdp-worker' | 'csp';
  url: string;
}

interface TargetMessage {
  id?: number;
  error?: unknown;
  method?: string;
  params?: { request?: { url?: string }; url?: string; issue?: CspIssue };
}

/** An Audits issue; a Content-Security-Policy one names the URL the policy blocked (no request is made then). */
interface CspIssue {
  code?: string;
  details?: { contentSecurityPolicyIssueDetails?: { blockedURL?: string; violatedDirective?: string } };
}

const blockedByCsp = (issue: CspIssue | undefined): string | undefined => {
  const csp = issue?.code === 'ContentSecurityPolicyIssue' ? issue.details?.contentSecurityPolicyIssueDetails : undefined;
  return csp ? (csp.blockedURL ?? `(${csp.violatedDirective ?? 'csp'})`) : undefined;
};

const cdpUrl = (method: string | undefined, params: TargetMessage['params']): string | undefined =>
  method === 'Network.requestWillBeSent' ? params?.request?.url : method === 'Network.webSocketCreated' ? params?.url : undefined;

/** Follows the targets the page starts (dedicated workers, worklets' hosts) through the old, unflattened protocol. */
async function followWorkers(cdp: CDPSession, log: SeenRequest[], workers: WorkerCount): Promise<void> {
  let id = 1;
  const enables = new Set<number>();
  cdp.on('Target.attachedToTarget', (e: { sessionId: string }) => {
    workers.attached += 1;
    const send = (method: string) => {
      const n = id++;
      void cdp.send('Target.sendMessageToTarget', { sessionId: e.sessionId, message: JSON.stringify({ id: n, method }) }).catch(() => undefined);
      return n;
    };
    enables.add(send('Network.enable'));
    send('Audits.enable');
    send('Runtime.runIfWaitingForDebugger');
  });
  cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
    const m = JSON.parse(e.message) as TargetMessage;
    if (m.id !== undefined && enables.has(m.id) && m.error === undefined) workers.networkEnabled += 1;
    const url = cdpUrl(m.method, m.params);
    if (url) log.push({ via: 'cdp-worker', url });
    const blocked = m.method === 'Audits.issueAdded' ? blockedByCsp(m.params?.issue) : undefined;
    if (blocked) log.push({ via: 'csp', url: blocked });
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
}

export interface WorkerCount {
  attached: number;
  networkEnabled: number;
}

export interface RequestRecorder {
  readonly log: SeenRequest[];
  /** How many worker targets the DevTools session followed, and in how many Network recording was switched on. */
  readonly workers: WorkerCount;
  /** Adds the CSP violations the page has reported so far to the log. */
  collectCsp(page: Page): Promise<void>;
}

/** Records in the page's document: every securitypolicyviolation, with the URL it blocked. */
export const RECORD_CSP_VIOLATIONS = `(() => {
  window.__cspBlocked = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__cspBlocked.push(e.blockedURI || e.violatedDirective));
})();`;

/** Starts recording on a context and its (first) page; call before the page navigates anywhere. */
export async function recordRequests(context: BrowserContext, page: Page): Promise<RequestRecorder> {
  const log: SeenRequest[] = [];
  const workers = { attached: 0, networkEnabled: 0 };
  context.on('request', (r) => log.push({ via: 'playwright', url: r.url() }));
  page.on('websocket', (ws) => log.push({ via: 'playwright', url: ws.url() }));
  context.on('serviceworker', (w) => log.push({ via: 'playwright', url: w.url() }));
  const cdp = await context.newCDPSession(page);
  cdp.on('Network.requestWillBeSent', (e: { request: { url: string } }) => log.push({ via: 'cdp', url: e.request.url }));
  cdp.on('Network.webSocketCreated', (e: { url: string }) => log.push({ via: 'cdp', url: e.url }));
  cdp.on('Audits.issueAdded', (e: { issue: CspIssue }) => {
    const blocked = blockedByCsp(e.issue);
    if (blocked) log.push({ via: 'csp', url: blocked });
  });
  await cdp.send('Network.enable');
  await cdp.send('Audits.enable');
  await followWorkers(cdp, log, workers);
  await page.addInitScript(RECORD_CSP_VIOLATIONS);
  return {
    log,
    workers,
    async collectCsp(p: Page) {
      const blocked = await p.evaluate(() => (window as unknown as { __cspBlocked?: string[] }).__cspBlocked ?? []);
      for (const url of blocked) log.push({ via: 'csp', url });
    },
  };
}

/** Where a URL goes, judged against the Hearth origin: same origin (http/ws alike), data:/blob:, or elsewhere. */
export function isHearthOrLocal(url: string, hearth: URL): boolean {
  const u = new URL(url);
  if (u.protocol === 'data:' || u.protocol === 'blob:') return true;
  const secure = hearth.protocol === 'https:';
  const schemes = secure ? ['https:', 'wss:'] : ['http:', 'ws:'];
  return schemes.includes(u.protocol) && u.host === hearth.host;
}

export interface IceView {
  iceServers: string[];
  remote: string[];
  local: { type: string; address: string }[];
}

/** The ICE servers every peer connection was given, and the addresses of all its candidates (from getStats). */
export function iceView(page: Page): Promise<IceView> {
  return page.evaluate(async () => {
    const view = { iceServers: [] as string[], remote: [] as string[], local: [] as { type: string; address: string }[] };
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      for (const s of pc.getConfiguration().iceServers ?? []) view.iceServers.push(...[s.urls].flat());
      const stats = await pc.getStats();
      stats.forEach((s: { type: string; address?: string; candidateType?: string }) => {
        if (s.type === 'remote-candidate') view.remote.push(s.address ?? '?');
        if (s.type === 'local-candidate') view.local.push({ type: s.candidateType ?? '?', address: s.address ?? '?' });
      });
    }
    return view;
  });
}
