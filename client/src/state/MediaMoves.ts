import { ErrorCode } from '@hearth/shared';
import type { MediaSession } from '../media/MediaSession.js';
import type { LocalTracks } from './LocalTracks.svelte.js';
import type { PeerTracks } from './PeerTracks.svelte.js';

/** What moving our media to a new router needs of the room. */
export interface MediaMovePorts {
  media(): MediaSession | undefined;
  joined(): boolean;
  readonly tracks: PeerTracks;
  readonly local: LocalTracks;
  /** The room's "our media is up" promise (remote tracks are consumed once it resolves), read and replaced. */
  started(next?: Promise<void>): Promise<void>;
  fail(error: unknown): void;
}

/**
 * The session's media moving to a new router: the server rebuilt it there after its mediasoup worker died
 * (`media.restart`, or a newer `mediaGeneration` in the snapshot we resume with). Ours is made again there and our
 * tracks sent again; the others' arrive as they send them (`producer.added`, consumed once ours is up). The same
 * keys, members and roles: nothing to rekey. A move announced while we are still entering the circle waits until we
 * are in.
 */
export class MediaMoves {
  /** Our media's generation: the server's count of rebuilds of the session's media. */
  private generation = 0;
  private entering = false;
  private meanwhile: { caps: Record<string, unknown>; generation: number } | undefined;

  constructor(private readonly ports: MediaMovePorts) {}

  /** Entering the circle with media of this generation (from the admission snapshot). */
  enter(generation: number): void {
    this.generation = generation;
    this.entering = true;
  }

  /**
   * Whether a failure to enter is the media moving (a move came meanwhile, or the server said MEDIA_MOVING: one is
   * on its way): then it is no failure, the move sets it all up again.
   */
  explains(error: unknown): boolean {
    return !!this.meanwhile || (error as { code?: string } | undefined)?.code === ErrorCode.MEDIA_MOVING;
  }

  /** In the circle: a move that came meanwhile is made now. */
  entered(): void {
    this.entering = false;
    const moved = this.meanwhile;
    this.meanwhile = undefined;
    if (moved) this.move(moved.caps, moved.generation);
  }

  /**
   * The media is now of `generation` on a router with these capabilities; true if that is a move (ours is being set
   * up again), false if we are already there. Their tracks are dropped at once, before any new one can arrive.
   */
  move(caps: Record<string, unknown>, generation: number): boolean {
    const media = this.ports.media();
    if (!media || generation <= this.generation) return false;
    if (this.entering) {
      this.meanwhile = { caps, generation };
      return true;
    }
    if (!this.ports.joined()) return false;
    this.generation = generation;
    this.ports.tracks.resetMedia();
    const up = this.ports.started(this.ports.started().catch(() => undefined).then(() => media.restart(caps)));
    void up.then(() => this.ports.local.send(media)).catch((error: unknown) => this.ports.fail(error));
    return true;
  }
}
