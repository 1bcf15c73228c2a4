import { describe, expect, it } from 'vitest';
import { CLIENT_REQUEST_NAMES } from '../protocol/clientToServer.js';
import { MODERATION_ACTIONS, ROLES } from '../vocabulary/index.js';
import { ROLES_BY_KIND, ROLE_ACTIONS, authorize, isModerator, may, mayActOn } from './permissions.js';

describe('permissions', () => {
  it('every facilitator.* request is a moderation action, and every moderation action is a request', () => {
    const facilitatorRequests = CLIENT_REQUEST_NAMES.filter((n) => n.startsWith('facilitator.'));
    expect([...MODERATION_ACTIONS].sort()).toEqual(facilitatorRequests.sort());
  });

  it('members moderate nothing; facilitator and secretary everything; co-facilitators all but ending', () => {
    expect(ROLE_ACTIONS.member).toEqual([]);
    expect(ROLE_ACTIONS.facilitator).toEqual(MODERATION_ACTIONS);
    expect(ROLE_ACTIONS.secretary).toEqual(MODERATION_ACTIONS);
    expect(MODERATION_ACTIONS.filter((a) => !ROLE_ACTIONS.cofacilitator.includes(a))).toEqual(['facilitator.end']);
    expect(ROLES.filter(isModerator)).toEqual(['facilitator', 'cofacilitator', 'secretary']);
  });

  it('a peer-led session has a secretary and no clinician roles', () => {
    expect(ROLES_BY_KIND.peer).toEqual(['secretary', 'member']);
    expect(ROLES_BY_KIND.clinical).not.toContain('secretary');
  });

  describe('authorize', () => {
    it.each([
      ['outside', undefined, 'session.join', undefined],
      ['waiting', 'member', 'session.join', 'INVALID_STATE'],
      ['admitted', 'member', 'session.join', 'INVALID_STATE'],
      ['outside', undefined, 'session.leave', 'INVALID_STATE'],
      ['outside', undefined, 'session.claim', undefined],
      ['waiting', 'member', 'session.claim', 'INVALID_STATE'],
      ['waiting', 'member', 'session.leave', undefined],
      ['waiting', 'member', 'media.consume', 'NOT_ADMITTED'],
      ['admitted', 'member', 'media.consume', undefined],
      ['outside', undefined, 'facilitator.mute', 'INVALID_STATE'],
      ['waiting', 'member', 'facilitator.mute', 'NOT_ADMITTED'],
      ['admitted', 'member', 'facilitator.mute', 'NOT_ALLOWED'],
      ['admitted', 'cofacilitator', 'facilitator.mute', undefined],
      ['admitted', 'cofacilitator', 'facilitator.end', 'NOT_ALLOWED'],
      ['admitted', 'secretary', 'facilitator.end', undefined],
      ['admitted', undefined, 'facilitator.admit', 'NOT_ALLOWED'],
    ] as const)('%s %s sending %s -> %s', (standing, role, name, expected) => {
      expect(authorize(standing, role, name)).toBe(expected);
    });
  });

  it('the client shows controls by the same table', () => {
    expect(may('member', 'facilitator.mute')).toBe(false);
    expect(may(undefined, 'facilitator.mute')).toBe(false);
    expect(may('cofacilitator', 'facilitator.remove')).toBe(true);
    expect(may('cofacilitator', 'facilitator.end')).toBe(false);
  });

  it('only a facilitator acts on a facilitator; anyone who moderates acts on the other roles', () => {
    for (const actor of ROLES) {
      expect(mayActOn(actor, 'facilitator')).toBe(actor === 'facilitator');
      for (const target of ROLES.filter((r) => r !== 'facilitator')) expect(mayActOn(actor, target)).toBe(true);
    }
  });
});
