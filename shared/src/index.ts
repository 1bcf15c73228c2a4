export * from './protocol/index.js';
export * from './domain/access.js';
