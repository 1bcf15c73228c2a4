import { describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT, decodeJwt, generateKeyPair } from 'jose';
import { TokenService } from './TokenService.js';

const invite = { sessionId: 'S3ssion_id-0123456789', role: 'member' as const, maxUses: 3, ttlSeconds: 600 };

async function expectCode(p: Promise<unknown>, code: string) {
  await expect(p).rejects.toMatchObject({ name: 'HearthError', code });
}

describe('TokenService', () => {
  it('a token it issued verifies, with every claim', async () => {
    const t = await TokenService.create();
    const { token, inviteId, expiresAt } = await t.issueInvite(invite);
    const claims = await t.verifyInvite(token);
    expect(claims).toEqual({ sessionId: invite.sessionId, role: 'member', inviteId, maxUses: 3, expiresAt: new Date(Math.floor(expiresAt.getTime() / 1000) * 1000) });
    expect(decodeJwt(token)).toMatchObject({ iss: 'hearth', aud: 'hearth-invite' });
  });

  it('a token signed by another key (a forgery) is TOKEN_INVALID', async () => {
    const other = await TokenService.create();
    const { token } = await other.issueInvite(invite);
    await expectCode((await TokenService.create()).verifyInvite(token), 'TOKEN_INVALID');
  });

  it('a tampered payload (role raised to facilitator) is TOKEN_INVALID', async () => {
    const t = await TokenService.create();
    const { token } = await t.issueInvite(invite);
    const [h, p, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    claims.role = 'facilitator';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    await expectCode(t.verifyInvite(forged), 'TOKEN_INVALID');
  });

  it('an unsigned token (alg none) is TOKEN_INVALID', async () => {
    const t = await TokenService.create();
    const unsigned = new UnsecuredJWT({ sid: invite.sessionId, role: 'facilitator', max: 1 })
      .setIssuer('hearth').setAudience('hearth-invite').setJti('x').setExpirationTime('1h').encode();
    await expectCode(t.verifyInvite(unsigned), 'TOKEN_INVALID');
  });

  it('an expired token is TOKEN_EXPIRED', async () => {
    const t = await TokenService.create();
    const { token } = await t.issueInvite({ ...invite, ttlSeconds: -120 });
    await expectCode(t.verifyInvite(token), 'TOKEN_EXPIRED');
  });

  it('a validly signed token with an unknown role, a bad use limit or another audience is TOKEN_INVALID', async () => {
    // The service's own key signs hand-made claims: only the claim checks stand between them and acceptance.
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const t = await TokenService.create({ privateKey, publicKey });
    const sign = (claims: Record<string, unknown>, aud = 'hearth-invite') =>
      new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA' }).setIssuer('hearth').setAudience(aud).setJti('j1').setExpirationTime('1h').sign(privateKey);
    await expect(t.verifyInvite(await sign({ sid: 's', role: 'member', max: 1 }))).resolves.toMatchObject({ role: 'member' });
    await expectCode(t.verifyInvite(await sign({ sid: 's', role: 'admin', max: 1 })), 'TOKEN_INVALID');
    await expectCode(t.verifyInvite(await sign({ sid: 's', role: 'member', max: 0 })), 'TOKEN_INVALID');
    await expectCode(t.verifyInvite(await sign({ role: 'member', max: 1 })), 'TOKEN_INVALID');
    await expectCode(t.verifyInvite(await sign({ sid: 's', role: 'member', max: 1 }, 'other')), 'TOKEN_INVALID');
  });

  it('garbage is TOKEN_INVALID', async () => {
    await expectCode((await TokenService.create()).verifyInvite('a.b.c'), 'TOKEN_INVALID');
  });
});
