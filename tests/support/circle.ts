import { randomBytes } from 'node:crypto';
import type { E2eeKey, ResponseOf, Role, RoomSnapshot, SessionKind } from '@hearth/shared';
import {
  bindPublicKey, fromB64, memberIdFor, newKeyPair, newSessionSecretBytes, newSigningSeed, signCertificate, signRevocation,
  signingKeyFromSeed, sodiumReady, toB64, type KeyPair,
} from './e2eeKeys.js';
import { Bot } from './Bot.js';
import { startFastServer, startServer, type FastServer, type TestServer } from './server.js';

export interface CreatedSession {
  sessionId: string;
  facilitator: { token: string; inviteId: string };
  member: { token: string; inviteId: string };
  /** The session signing key, base64url: its seed (moderators' links only) and its public half (sent to the server). */
  signingSeed: string;
  signingPublicKey: string;
}

/** POST /api/sessions with the server's admin key and a fresh signing key, as the CLI and the /host page do. */
export async function createSession(server: TestServer, kind: SessionKind = 'clinical', title = 'Test group'): Promise<CreatedSession> {
  await sodiumReady();
  const signingSeed = toB64(newSigningSeed());
  const signingPublicKey = toB64(signingKeyFromSeed(fromB64(signingSeed)).publicKey);
  const res = await fetch(`${server.url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.app.adminKey}` },
    body: JSON.stringify({ title, kind, signingKey: signingPublicKey }),
  });
  if (res.status !== 201) throw new Error(`create session: HTTP ${res.status}`);
  return { ...((await res.json()) as Omit<CreatedSession, 'signingSeed' | 'signingPublicKey'>), signingSeed, signingPublicKey };
}

export const newDeviceId = () => randomBytes(16).toString('base64url');

/** A real X25519 key pair, bound to the session secret as a browser would bind it. */
export async function botKey(secret: string, sessionId: string): Promise<{ pair: KeyPair; wire: E2eeKey }> {
  await sodiumReady();
  const pair = newKeyPair();
  return { pair, wire: { publicKey: toB64(pair.publicKey), binding: toB64(bindPublicKey(secret, sessionId, pair.publicKey)) } };
}

export interface Seat {
  bot: Bot;
  selfId: string;
  deviceId: string;
  key: { pair: KeyPair; wire: E2eeKey };
  ack: ResponseOf<'session.join'>;
  role: Role;
  /** Set once admitted (at once for facilitators, on `session.admitted` for members). */
  room: RoomSnapshot;
}

/**
 * A session with a facilitator bot in it, and helpers to bring members in through the waiting room the way
 * real ones come: invite -> wait -> admitted by the facilitator.
 */
export class Circle {
  readonly bots: Bot[] = [];
  /** The session signing key, as a facilitator's browser holds it (from the seed in its link). */
  readonly signing: { publicKey: Uint8Array; secretKey: Uint8Array };

  private constructor(
    readonly server: TestServer,
    readonly session: CreatedSession,
    /** The fragment secret of this session's links (the server never learns it). */
    readonly secret: string,
    readonly facilitator: Seat,
  ) {
    this.signing = signingKeyFromSeed(fromB64(session.signingSeed));
  }

  /** A key as a member of this session would present it. */
  key(): Promise<{ pair: KeyPair; wire: E2eeKey }> {
    return botKey(this.secret, this.session.sessionId);
  }

  static async open(server: TestServer, kind: SessionKind = 'clinical', title?: string): Promise<Circle> {
    const session = await createSession(server, kind, title);
    const secret = newSessionSecretBytes();
    const bot = await Bot.connect(server.url);
    const deviceId = newDeviceId();
    const key = await botKey(secret, session.sessionId);
    const role: Role = kind === 'peer' ? 'secretary' : 'facilitator';
    const signing = signingKeyFromSeed(fromB64(session.signingSeed));
    const certificate = certificateFor(signing.secretKey, session.sessionId, memberIdFor(session.sessionId, deviceId), role, key.pair.publicKey);
    const ack = await bot.ok('session.join', {
      sessionId: session.sessionId, token: session.facilitator.token, displayName: 'Fay', deviceId, e2eeKey: key.wire, certificate,
    });
    const circle = new Circle(server, session, secret, { bot, selfId: ack.selfId, deviceId, key, ack, role, room: ack.room! });
    circle.bots.push(bot);
    return circle;
  }

  async connect(): Promise<Bot> {
    const bot = await Bot.connect(this.server.url);
    this.bots.push(bot);
    return bot;
  }

  /** The certificate a facilitator's browser signs for this participant's key (role: theirs, unless given). */
  certify(seat: { selfId: string; role: Role; key: { pair: KeyPair } }, role: Role = seat.role): string {
    return certificateFor(this.signing.secretKey, this.session.sessionId, seat.selfId, role, seat.key.pair.publicKey);
  }

  /** The revocation a facilitator's browser signs when it removes this participant. */
  revocation(seat: { selfId: string; key: { pair: KeyPair } }): string {
    return toB64(signRevocation(this.signing.secretKey, {
      sessionId: this.session.sessionId, memberId: seat.selfId, publicKey: seat.key.pair.publicKey,
    }));
  }

  /**
   * Someone arriving: a member lands in the waiting room, a moderator is in at once. `selfSigned`: the arrival
   * signs its own certificate with the session signing key, as a moderator's browser does (its link has the seed).
   */
  async waiting(
    displayName: string,
    opts: { token?: string; deviceId?: string; key?: { pair: KeyPair; wire: E2eeKey }; selfSigned?: Role; rtpCapabilities?: Record<string, unknown> } = {},
  ): Promise<Omit<Seat, 'room'>> {
    const bot = await this.connect();
    const deviceId = opts.deviceId ?? newDeviceId();
    const key = opts.key ?? (await this.key());
    const memberId = memberIdFor(this.session.sessionId, deviceId);
    const certificate = opts.selfSigned
      ? certificateFor(this.signing.secretKey, this.session.sessionId, memberId, opts.selfSigned, key.pair.publicKey)
      : undefined;
    const ack = await bot.ok('session.join', {
      sessionId: this.session.sessionId, token: opts.token ?? this.session.member.token, displayName, deviceId, e2eeKey: key.wire,
      ...(certificate ? { certificate } : {}),
      ...(opts.rtpCapabilities ? { rtpCapabilities: opts.rtpCapabilities as never } : {}),
    });
    return { bot, selfId: ack.selfId, deviceId, key, ack, role: ack.role };
  }

  /** A member admitted into the circle by the facilitator, with a certificate for its key unless `signed` is false. */
  async member(displayName: string, opts: { signed?: boolean } = {}): Promise<Seat> {
    const w = await this.waiting(displayName);
    const admitted = w.bot.waitFor('session.admitted');
    const certificate = opts.signed === false ? undefined : this.certify(w);
    await this.facilitator.bot.ok('facilitator.admit', { peerId: w.selfId, ...(certificate ? { certificate } : {}) });
    return { ...w, room: await admitted };
  }

  close(): void {
    for (const b of this.bots.splice(0)) b.close();
  }
}

function certificateFor(secretKey: Uint8Array, sessionId: string, memberId: string, role: Role, publicKey: Uint8Array): string {
  return toB64(signCertificate(secretKey, { sessionId, memberId, role, publicKey }));
}

/** A well-formed key for tests that do not exercise encryption (the server cannot check bindings anyway). */
export const ANY_KEY: E2eeKey = { publicKey: 'A'.repeat(43), binding: 'B'.repeat(43) };

/** A fresh server with a facilitator's session in it: what most integration tests start from. */
export async function openCircle(
  overrides: Parameters<typeof startServer>[0] = {},
  opts: Parameters<typeof startServer>[1] = {},
): Promise<{ server: TestServer; circle: Circle }> {
  const server = await startServer(overrides, opts);
  return { server, circle: await Circle.open(server) };
}

/** openCircle on a server with the in-memory media port and no worker: for tests that need nothing of the SFU. */
export async function openFastCircle(
  overrides: Parameters<typeof startFastServer>[0] = {},
  opts: Parameters<typeof startFastServer>[1] = {},
): Promise<{ server: FastServer; circle: Circle }> {
  const server = await startFastServer(overrides, opts);
  return { server, circle: await Circle.open(server) };
}

/** Closes what openCircle made. */
export async function closeCircle(f: { server: TestServer; circle: Circle }): Promise<void> {
  f.circle.close();
  await f.server.close();
}
