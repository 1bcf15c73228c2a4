import { ErrorCode } from '@hearth/shared';
import type { RoomMediaFactory } from './ports.js';
import { Room } from './Room.js';

/**
 * One Room per group id, created on first join and closed when the last member leaves. Creation is
 * awaited once per id, so two members arriving together land in the same room.
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, Promise<Room>>();

  constructor(
    private readonly createMedia: RoomMediaFactory,
    private readonly maxPeers: number,
  ) {}

  getOrCreate(roomId: string): Promise<Room> {
    let pending = this.rooms.get(roomId);
    if (!pending) {
      pending = this.create(roomId);
      this.rooms.set(roomId, pending);
      pending.catch(() => this.rooms.delete(roomId));
    }
    return pending;
  }

  /** Runs inside the room's queue after a leave: an empty room releases its router. */
  releaseIfEmpty(room: Room): void {
    if (room.size > 0 || room.closed) return;
    room.close(ErrorCode.INTERNAL);
    this.forget(room);
  }

  /** Closes every room whose media lived on a worker that died; members are told and reconnect. */
  closeRoomsOnWorker(workerIndex: number): void {
    for (const pending of this.rooms.values()) {
      void pending.then((room) => {
        if (room.media.workerIndex !== workerIndex) return;
        room.close(ErrorCode.INTERNAL);
        this.forget(room);
      }, () => undefined);
    }
  }

  async closeAll(): Promise<void> {
    const rooms = await Promise.allSettled([...this.rooms.values()]);
    for (const r of rooms) if (r.status === 'fulfilled') r.value.close(ErrorCode.INTERNAL);
    this.rooms.clear();
  }

  /** For tests and health: the live rooms. */
  async list(): Promise<Room[]> {
    const rooms = await Promise.allSettled([...this.rooms.values()]);
    return rooms.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  }

  private async create(roomId: string): Promise<Room> {
    // The room is needed inside the media callbacks, which fire only after creation.
    let room: Room | undefined;
    const media = await this.createMedia({
      consumerClosed: (peerId, consumerId) => room?.notifyConsumerClosed(peerId, consumerId),
    });
    room = new Room(roomId, media, this.maxPeers);
    return room;
  }

  private forget(room: Room): void {
    void this.rooms.get(room.id)?.then((r) => {
      if (r === room) this.rooms.delete(room.id);
    });
  }
}
