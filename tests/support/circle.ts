import { randomBytes } from 'node:crypto';
import type { E2eeKey, ResponseOf, RoomSnapshot, SessionKind } from '@hearth/shared';
import { bindPublicKey, newKeyPair, newSessionSecretBytes, sodiumReady, toB64, type KeyPair } from './e2eeKeys.js';
import { Bot } from './Bot.js';
import { startServer, type TestServer } from './server.js';

export interface CreatedSession {
  sessionId: string;
  facilitator: { token: string; inviteId: string };
  member: { token: string; inviteId: string };
}

/** POST /api/sessions with the server's admin key, as the CLI and the /host page do. */
export async function createSession(server: TestServer, kind: SessionKind = 'clinical', title = 'Test group'): Promise<CreatedSession> {
  const res = await fetch(`${server.url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.app.adminKey}` },
    body: JSON.stringify({ title, kind }),
  });
  if (res.status !== 201) throw new Error(`create session: HTTP ${res.status}`);
  return (await res.json()) as CreatedSession;
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
  /** Set once admitted (at once for facilitators, on `session.admitted` for members). */
  room: RoomSnapshot;
}

/**
 * A session with a facilitator bot in it, and helpers to bring members in through the waiting room the way
 * real ones come: invite -> wait -> admitted by the facilitator.
 */
export class Circle {
  readonly bots: Bot[] = [];

  private constructor(
    readonly server: TestServer,
    readonly session: CreatedSession,
    /** The fragment secret of this session's links (the server never learns it). */
    readonly secret: string,
    readonly facilitator: Seat,
  ) {}

  /** A key as a member of this session would present it. */
  key(): Promise<{ pair: KeyPair; wire: E2eeKey }> {
    return botKey(this.secret, this.session.sessionId);
  }

  static async open(server: TestServer, kind: SessionKind = 'clinical'): Promise<Circle> {
    const session = await createSession(server, kind);
    const secret = newSessionSecretBytes();
    const bot = await Bot.connect(server.url);
    const deviceId = newDeviceId();
    const key = await botKey(secret, session.sessionId);
    const ack = await bot.ok('session.join', {
      sessionId: session.sessionId, token: session.facilitator.token, displayName: 'Fay', deviceId, e2eeKey: key.wire,
    });
    const circle = new Circle(server, session, secret, { bot, selfId: ack.selfId, deviceId, key, ack, room: ack.room! });
    circle.bots.push(bot);
    return circle;
  }

  async connect(): Promise<Bot> {
    const bot = await Bot.connect(this.server.url);
    this.bots.push(bot);
    return bot;
  }

  /** A member in the waiting room. */
  async waiting(displayName: string, opts: { token?: string; deviceId?: string } = {}): Promise<Omit<Seat, 'room'>> {
    const bot = await this.connect();
    const deviceId = opts.deviceId ?? newDeviceId();
    const key = await this.key();
    const ack = await bot.ok('session.join', {
      sessionId: this.session.sessionId, token: opts.token ?? this.session.member.token, displayName, deviceId, e2eeKey: key.wire,
    });
    return { bot, selfId: ack.selfId, deviceId, key, ack };
  }

  /** A member admitted into the circle by the facilitator. */
  async member(displayName: string): Promise<Seat> {
    const w = await this.waiting(displayName);
    const admitted = w.bot.waitFor('session.admitted');
    await this.facilitator.bot.ok('facilitator.admit', { peerId: w.selfId });
    return { ...w, room: await admitted };
  }

  close(): void {
    for (const b of this.bots.splice(0)) b.close();
  }
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

/** Closes what openCircle made. */
export async function closeCircle(f: { server: TestServer; circle: Circle }): Promise<void> {
  f.circle.close();
  await f.server.close();
}
