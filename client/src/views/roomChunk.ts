/**
 * Everything a member needs once in the session, in one lazily loaded chunk (views/lazyRoom.ts): the room view
 * and its model, which bring the signaling client (socket.io, TypeBox validation), mediasoup-client and
 * libsodium. The first screen (home, host, pre-join) never imports this file statically.
 */
export { RoomModel } from '../state/RoomModel.svelte.js';
export { default as Room } from './Room.svelte';
