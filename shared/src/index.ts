export * from './protocol/index.js';
export * from './domain/permissions.js';
export * from './domain/links.js';
