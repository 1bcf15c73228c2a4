export * from './common.js';
export * from './errors.js';
export * from './clientToServer.js';
export * from './serverToClient.js';
export type * from './socketTypes.js';
export * from './validate.js';
export * from './http.js';
