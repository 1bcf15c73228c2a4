/**
 * The vocabulary every layer shares: roles, kinds of session, standings, turn modes, reactions, the names of the
 * safety actions. A leaf: it imports nothing, so the domain machines and the wire protocol both build on it
 * without importing each other. (Error codes: ./errorCodes.ts.)
 */
/**
 * Who someone is in a session. `facilitator`: the clinician in charge; `cofacilitator`: helps moderate;
 * `secretary`: the member who holds the facilitator actions in a peer-led group; `member`: everyone else.
 */
export const ROLES = ['facilitator', 'cofacilitator', 'secretary', 'member'] as const;
export type Role = (typeof ROLES)[number];

/** A clinical session has facilitators; a peer-led one (AA / Al-Anon style) has a secretary. */
export const SESSION_KINDS = ['clinical', 'peer'] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

/** Where a connection stands: not in a session, in its waiting room, or admitted to the circle. */
export type Standing = 'outside' | 'waiting' | 'admitted';

/** The safety actions. Every one of them is a `facilitator.*` request. */
export const MODERATION_ACTIONS = [
  'facilitator.admit', 'facilitator.admitAll', 'facilitator.deny',
  'facilitator.mute', 'facilitator.askUnmute', 'facilitator.muteAll',
  'facilitator.stopCamera', 'facilitator.allowCamera', 'facilitator.setLowData',
  'facilitator.remove', 'facilitator.lock', 'facilitator.end',
  'facilitator.createInvite', 'facilitator.revokeInvite',
  'facilitator.setTurnMode', 'facilitator.passStick', 'facilitator.takeStick', 'facilitator.extendTurn',
  'facilitator.setTurnLimit', 'facilitator.stepOut',
] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];

/** How the floor works now: open floor, talking stick, go-around, facilitator only. */
export const TURN_MODES = ['open', 'stick', 'goaround', 'facilitator'] as const;
export type TurnMode = (typeof TURN_MODES)[number];

/** Quiet, non-verbal signals: shown briefly beside the sender, no sound, never take the floor. */
export const REACTIONS = ['understand', 'metoo', 'heart', 'takeyourtime'] as const;
export type Reaction = (typeof REACTIONS)[number];

/**
 * What a member confirms before joining (and on every rejoin): somewhere private; alone or unheard; headphones if
 * anyone is near; not driving. Facilitators see which were confirmed.
 */
export const PRIVACY_ITEMS = ['private', 'unheard', 'headphones', 'notDriving'] as const;
export type PrivacyItem = (typeof PRIVACY_ITEMS)[number];

/**
 * What the on-device ambient check heard (client/src/media/ambient): nothing of note, steady noise, one voice,
 * several voices, a TV or music; still listening (the member joined before it ended: the word follows); or it was
 * skipped, or the microphone was not available. The word is all that
 * leaves the device: never the audio.
 */
export const AMBIENT_FINDINGS = ['quiet', 'noise', 'voice', 'voices', 'media', 'listening', 'skipped', 'unavailable'] as const;
export type AmbientFinding = (typeof AMBIENT_FINDINGS)[number];

export * from './errorCodes.js';
