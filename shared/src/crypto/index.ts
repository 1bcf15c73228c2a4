export * from './frame.js';
export * from './keySchedule.js';
export * from './keys.js';
export { SAFETY_WORDS } from './words.js';
export * from './membership.js';
export * from './sessionKeys.js';
