import { sideKey, sodiumReady } from '@hearth/shared/crypto';
import type { EventOf, LinkFragment, PeerInfo, RoomSnapshot } from '@hearth/shared';
import type { SignalingClient } from '../connection/SignalingClient.js';
import { msg } from '../i18n/message.js';
import { ChatChannel } from './ChatChannel.js';
import { loadIdentity, type Identity } from './identity.js';
import { KeyPolicy, type KeyEffect, type KeyState } from './KeyPolicy.js';
import type { TransformOptions, WorkerCommand, WorkerReport } from './workerProtocol.js';

export type { KeyState } from './KeyPolicy.js';

/** Whether this browser can encrypt frames (RTCRtpScriptTransform). There is no unencrypted fallback. */
export const canEncrypt = (): boolean => typeof (globalThis as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform === 'function';

const RETRIES = 3;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How long a frame worker has to say it runs before another one is started beside it, and how many are started. */
export const WORKER_READY_MS = 5_000;
export const WORKER_STARTS = 3;

/**
 * A frame worker that has said it runs (WorkerReport 'ready': its script loaded and its handlers are set). Every
 * frame in and out passes through it, so a worker whose script never arrives (a request that hangs, an asset gone
 * after an upgrade) would leave the page in the circle holding every frame: nothing sent, nothing decoded, and
 * nothing said. One that has not said so within `readyMs` gets another started beside it (a slow one may still
 * win); a failed one is replaced at once. The first to be ready is used and the others end; after `starts` workers
 * and `readyMs` more with none ready, this fails (the page does not join, and says so).
 */
export function startWorker(make: () => Worker, readyMs = WORKER_READY_MS, starts = WORKER_STARTS): Promise<Worker> {
  return new Promise<Worker>((resolve, reject) => {
    const live = new Set<Worker>();
    let made = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    const end = (winner?: Worker) => {
      done = true;
      clearTimeout(timer);
      for (const w of live) if (w !== winner) w.terminate();
      if (winner) resolve(winner);
      else reject(new Error(`the frame worker did not start (${made} tried)`));
    };
    const next = () => {
      if (done) return;
      clearTimeout(timer);
      if (made === starts) return end();
      made++;
      const w = make();
      live.add(w);
      w.addEventListener('message', (e: MessageEvent<WorkerReport>) => {
        if (!done && e.data?.type === 'ready') end(w);
      });
      w.addEventListener('error', () => {
        if (done) return;
        live.delete(w);
        w.terminate();
        if (live.size === 0) next();
      });
      timer = setTimeout(next, readyMs);
    };
    next();
  });
}

/**
 * The adapter around the key policy (KeyPolicy): it feeds the policy every membership event and envelope in
 * arrival order on one queue, hands keys to the frame worker, sends what the policy asks, and runs the leader's
 * rekeys one at a time (a burst of changes is covered by the next epoch; the server takes an epoch only as
 * current + 1 from the leader; a key is used only once the server took it; refusals are retried, then shown).
 */
export class KeyManager {
  readonly worker: Worker;
  readonly policy: KeyPolicy;
  readonly chat: ChatChannel;
  onChange: () => void = () => undefined;
  private queue: Promise<void> = Promise.resolve();
  private dirty = false;
  private rekeying: Promise<void> | undefined;

  private constructor(
    private readonly signaling: SignalingClient,
    identity: Identity,
    secret: string,
    worker: Worker,
  ) {
    this.policy = new KeyPolicy(identity, secret);
    this.chat = new ChatChannel(signaling, this.policy);
    this.worker = worker;
    this.post({ type: 'self', selfId: identity.memberId });
    signaling.on('e2ee.key', (e) => void this.serially(() => this.policy.envelope(e)));
    signaling.on('e2ee.acked', (a) => void this.serially(async () => (await this.policy.acknowledged(a), [])));
  }

  static async create(
    signaling: SignalingClient, sessionId: string, link: LinkFragment, deviceId: string,
    makeWorker: () => Worker = () => new Worker(new URL('./frameWorker.ts', import.meta.url), { type: 'module' }),
  ): Promise<KeyManager> {
    const [, worker] = await Promise.all([sodiumReady(), startWorker(makeWorker)]);
    return new KeyManager(signaling, loadIdentity(sessionId, deviceId, link), link.secret, worker);
  }

  get identity(): Identity {
    return this.policy.identity;
  }

  get selfId(): string {
    return this.policy.selfId;
  }

  get state(): KeyState {
    return this.policy.state;
  }

  transform(options: TransformOptions): RTCRtpScriptTransform {
    return new RTCRtpScriptTransform(this.worker, options);
  }

  /** Entering the circle; then the envelopes that arrived before it (the policy held them back). */
  async enter(room: RoomSnapshot): Promise<void> {
    await this.serially(() => this.policy.enter(room));
    for (const e of this.policy.takeEarly()) await this.serially(() => this.policy.envelope(e));
  }

  joined(p: PeerInfo): Promise<void> {
    return this.serially(() => this.policy.joined(p));
  }

  left(e: EventOf<'peer.left'>): Promise<void> {
    return this.serially(() => this.policy.left(e));
  }

  /** A member's link dropped (away) or came back. */
  presence(e: EventOf<'peer.away'>): Promise<void> {
    return this.serially(() => this.policy.presence(e.peerId, e.away));
  }

  /** We are back after our own link dropped (session.resume). */
  resumed(room: RoomSnapshot): Promise<void> {
    return this.serially(() => this.policy.resumed(room));
  }

  /**
   * A removal this browser made: the member is out of our group at once, with their key revoked, whatever the
   * server later says (or does not say) about them.
   */
  removedHere(peerId: string, revocation: string | undefined): Promise<void> {
    return this.left(revocation ? { peerId, revocation } : { peerId });
  }

  certificateFor(memberId: string, publicKey: string): string | undefined {
    return this.policy.certificateFor(memberId, publicKey);
  }

  revocationFor(memberId: string): string | undefined {
    return this.policy.revocationFor(memberId);
  }

  /**
   * Into a side room with `peerId` (the server named `room`), or back to the group: our frames are then sealed with
   * the pair's own key, which the circle cannot derive. False if the partner's key is not one we verified.
   */
  side(s: { room: string; with: string } | undefined): boolean {
    if (!s) return (this.post({ type: 'side' }), true);
    const partner = this.policy.roster.get(s.with)?.bound;
    if (!partner) return false;
    const key = sideKey(s.room, this.selfId, s.with, partner, this.identity.pair.privateKey);
    this.post({ type: 'side', side: { peerId: s.with, key } });
    return true;
  }

  pending(): string[] {
    return this.policy.pending();
  }

  close(): void {
    this.worker.terminate();
  }

  /** Runs policy steps strictly in arrival order and performs what they ask. */
  private serially(step: () => KeyEffect[] | Promise<KeyEffect[]>): Promise<void> {
    const next = this.queue
      .then(async () => this.perform(await step()))
      .catch((error: unknown) => this.perform(this.policy.alarm(msg('keys.error', { detail: String(error) }))));
    this.queue = next;
    return next;
  }

  private perform(effects: KeyEffect[]): void {
    for (const e of effects) {
      if (e.type === 'install') this.post({ type: 'key', epoch: e.epoch, groupKey: e.groupKey });
      else if (e.type === 'ack') void this.signaling.request('e2ee.ack', { epoch: e.epoch, tag: e.tag }).catch(() => undefined);
      else {
        this.dirty = true;
        this.startRekeying();
      }
    }
    this.onChange();
  }

  /** One loop at a time; a change that lands after the loop's last look (but before it ended) starts the next. */
  private startRekeying(): void {
    this.rekeying ??= this.rekeyLoop().finally(() => {
      this.rekeying = undefined;
      if (this.dirty && this.policy.isLeader()) this.startRekeying();
    });
  }

  private async rekeyLoop(): Promise<void> {
    let failures = 0;
    await this.queue; // let a burst already queued land first: one epoch covers it
    while (this.dirty) {
      this.dirty = false;
      const rekey = this.policy.prepareRekey(); // the epoch is fixed here, before any await
      if (!rekey) return;
      try {
        await this.signaling.request('e2ee.distribute', { epoch: rekey.epoch, envelopes: rekey.envelopes });
        failures = 0;
        await this.serially(() => this.policy.accepted(rekey));
      } catch (error) {
        if (++failures >= RETRIES) {
          this.dirty = false; // given up on this change; the next one tries again
          const code = (error as { code?: string }).code ?? 'no answer';
          this.perform(this.policy.alarm(msg('keys.handOutFailed', { code })));
          return;
        }
        this.dirty = true;
        await sleep(250 * failures);
      }
    }
  }

  private post(cmd: WorkerCommand): void {
    this.worker.postMessage(cmd);
  }
}
