import { describe, expect, it } from 'vitest';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { CLIENT_REQUEST_NAMES, ClientRequests } from './clientToServer.js';
import { ServerEvents, type ServerEventName } from './serverToClient.js';
import { INVALID_REQUESTS, MALFORMED_FOR_ALL, VALID_EVENTS, VALID_REQUESTS } from './fixtures.js';
import { ERROR_CODES } from '../vocabulary/errorCodes.js';

describe('client requests', () => {
  for (const name of CLIENT_REQUEST_NAMES) {
    const check = TypeCompiler.Compile(ClientRequests[name].request);
    it(`${name}: accepts every valid fixture`, () => {
      expect(VALID_REQUESTS[name].length).toBeGreaterThan(0);
      for (const payload of VALID_REQUESTS[name]) expect(check.Check(payload), JSON.stringify(payload)).toBe(true);
    });
    it(`${name}: rejects every malformed fixture`, () => {
      expect(INVALID_REQUESTS[name].length).toBeGreaterThan(0);
      for (const payload of [...MALFORMED_FOR_ALL, ...INVALID_REQUESTS[name]]) {
        expect(check.Check(payload), JSON.stringify(payload)).toBe(false);
      }
    });
    it(`${name}: the compiled check agrees with the interpreter`, () => {
      for (const p of [...VALID_REQUESTS[name], ...INVALID_REQUESTS[name]]) {
        expect(check.Check(p)).toBe(Value.Check(ClientRequests[name].request, p));
      }
    });
  }
});

describe('server events', () => {
  for (const name of Object.keys(ServerEvents) as ServerEventName[]) {
    it(`${name}: fixtures match the schema`, () => {
      expect(VALID_EVENTS[name].length).toBeGreaterThan(0);
      for (const p of VALID_EVENTS[name]) expect(Value.Check(ServerEvents[name], p)).toBe(true);
      expect(Value.Check(ServerEvents[name], null)).toBe(false);
    });
  }
});

describe('error codes', () => {
  it('is a closed set of distinct upper-case names', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const c of ERROR_CODES) expect(c).toMatch(/^[A-Z_]+$/);
  });
  it('session.closing refuses a code outside the set', () => {
    expect(Value.Check(ServerEvents['session.closing'], { code: 'SOMETHING_ELSE' })).toBe(false);
  });
});
