export * from './vocabulary/index.js';
export * from './protocol/index.js';
export * from './domain/permissions.js';
export * from './domain/links.js';
export * from './domain/turns.js';
export * from './domain/membership.js';
export * from './domain/leader.js';
