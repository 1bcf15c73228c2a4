import { ErrorCode, type EventOf, type RosterMember, type ServerEventName } from '@hearth/shared';
import type { BuildOptions } from '../../server/src/app/buildApp.js';
import type { PeerOutbox, RoomMedia } from '../../server/src/room/ports.js';

// A server that misbehaves, built only from decorators over the server's ports (the connection outbox and the
// room media), so the product has no adversary branch. What such a server can do, and tests show it cannot
// break: alter or replay key envelopes, keep feeding a removed member, hide a removal. (Seating a "facilitator"
// nobody admitted needs no decorator: a test mints a facilitator invite with app.tokens, as such a server could.)

export type KeyEnvelope = EventOf<'e2ee.key'>;
type Silence = 'others told' | 'unannounced';

/** Who a forged `peer.left` names when a removal is hidden from everyone. */
export const NOBODY = 'nobody-who-was-here';

/** `media` with some methods replaced; everything else (getters included) goes to `media` itself. */
function overriding(media: RoomMedia, replaced: Partial<RoomMedia>): RoomMedia {
  return new Proxy(media, {
    get(target, prop) {
      if (Object.prototype.hasOwnProperty.call(replaced, prop)) return replaced[prop as keyof RoomMedia];
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export class MaliciousServer {
  /** Sees every key envelope relayed to member `to`, and may send another in its place. */
  relayEnvelope: ((envelope: KeyEnvelope, to: string) => KeyEnvelope) | undefined;
  /** Members whose removal is silent, by id. */
  private readonly silenced = new Map<string, Silence>();
  /** Display names by member id, learned from what the server relays (most recent last). */
  private readonly names = new Map<string, string>();
  private readonly rosterEntries = new Map<string, RosterMember>();

  /** The buildApp options that install this server's behaviour (it does nothing until told to). */
  readonly options: Pick<BuildOptions, 'decorateMedia' | 'decorateOutbox'> = {
    decorateMedia: (media) => overriding(media, {
      // The SFU goes on forwarding to a silenced member: its transports, consumers and producers stay.
      removePeer: (peerId: string) => {
        if (!this.silenced.has(peerId)) media.removePeer(peerId);
      },
    }),
    decorateOutbox: (outbox, who) => this.outbox(outbox, who),
  };

  /**
   * From now on, removing this member (display name, as the server has seen it, or id) is silent: it is told
   * nothing, its socket stays open and its media keeps flowing. `unannounced`: the others are not told either
   * (the facilitator's panel still lists it), and a `peer.left` for someone who never existed goes out instead.
   */
  silentRemoval(member: string, mode: true | 'unannounced' = true): void {
    const id = this.names.has(member) ? member : this.idOf(member);
    if (!id) throw new Error(`the server has not seen ${member}`);
    this.silenced.set(id, mode === true ? 'others told' : 'unannounced');
  }

  /** The id of the member last seen with this display name. */
  idOf(displayName: string): string | undefined {
    return [...this.names].reverse().find(([, name]) => name === displayName)?.[0];
  }

  nameOf(id: string): string | undefined {
    return this.names.get(id);
  }

  /** Back to an honest server. */
  reset(): void {
    this.relayEnvelope = undefined;
    this.silenced.clear();
  }

  private outbox(outbox: PeerOutbox, who: () => string | undefined): PeerOutbox {
    const send = <K extends ServerEventName>(event: K, payload: EventOf<K>): void => {
      this.learn(event, payload);
      const me = who();
      if (event === 'e2ee.key' && me && this.relayEnvelope) {
        return outbox.send('e2ee.key', this.relayEnvelope(payload as KeyEnvelope, me));
      }
      if (event === 'session.closing' && me && this.silenced.has(me)) return;
      if (event === 'peer.left' && this.silenced.get((payload as EventOf<'peer.left'>).peerId) === 'unannounced') {
        return outbox.send('peer.left', { peerId: NOBODY });
      }
      if (event === 'facilitator.roster') return outbox.send('facilitator.roster', this.hideRemovals(payload as EventOf<'facilitator.roster'>));
      outbox.send(event, payload);
    };
    return {
      send,
      close: (code, message) => {
        const me = who();
        if (code === ErrorCode.REMOVED && me && this.silenced.has(me)) return; // not told, not disconnected
        outbox.close(code, message);
      },
    };
  }

  /** An unannounced removal leaves the removed member on the panel, as it was last shown. */
  private hideRemovals(roster: EventOf<'facilitator.roster'>): EventOf<'facilitator.roster'> {
    const listed = new Set(roster.members.map((m) => m.id));
    const hidden = [...this.silenced].filter(([id, how]) => how === 'unannounced' && !listed.has(id) && this.rosterEntries.has(id));
    if (hidden.length === 0) return roster;
    return { ...roster, members: [...roster.members, ...hidden.map(([id]) => this.rosterEntries.get(id)!)] };
  }

  private learn<K extends ServerEventName>(event: K, payload: EventOf<K>): void {
    const seen = (id: string, name: string) => {
      this.names.delete(id);
      this.names.set(id, name);
    };
    if (event === 'peer.joined') {
      const p = payload as EventOf<'peer.joined'>;
      seen(p.id, p.displayName);
    } else if (event === 'session.admitted') {
      const r = payload as EventOf<'session.admitted'>;
      for (const p of [...r.peers, r.self]) seen(p.id, p.displayName);
    } else if (event === 'facilitator.roster') {
      const r = payload as EventOf<'facilitator.roster'>;
      for (const w of r.waiting) seen(w.id, w.displayName);
      for (const m of r.members) {
        seen(m.id, m.displayName);
        this.rosterEntries.set(m.id, m);
      }
    }
  }
}
