import { randomBytes } from 'node:crypto';
import { SignJWT, errors, generateKeyPair, jwtVerify, type CryptoKey } from 'jose';
import { ErrorCode, HearthError, ROLES, type Role } from '@hearth/shared';

/** What a verified invite says. The server trusts these claims, never the join payload, for identity. */
export interface InviteClaims {
  sessionId: string;
  role: Role;
  inviteId: string;
  maxUses: number;
  expiresAt: Date;
}

const ISSUER = 'hearth';
const AUDIENCE = 'hearth-invite';

/**
 * Signs and verifies invites with an Ed25519 key pair made at start-up and held only in memory: sessions live
 * in memory too, so a restart ends both together and no key ever touches the disk.
 */
export class TokenService {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
  ) {}

  /** With a fresh in-memory key pair, or a given one (tests sign hand-made claims with it). */
  static async create(keys?: { privateKey: CryptoKey; publicKey: CryptoKey }): Promise<TokenService> {
    const { privateKey, publicKey } = keys ?? (await generateKeyPair('EdDSA', { crv: 'Ed25519' }));
    return new TokenService(privateKey, publicKey);
  }

  async issueInvite(opts: { sessionId: string; role: Role; maxUses: number; ttlSeconds: number }): Promise<{
    token: string; inviteId: string; expiresAt: Date;
  }> {
    const inviteId = randomBytes(12).toString('base64url');
    const expiresAt = new Date(Date.now() + opts.ttlSeconds * 1000);
    const token = await new SignJWT({ sid: opts.sessionId, role: opts.role, max: opts.maxUses })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setJti(inviteId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.privateKey);
    return { token, inviteId, expiresAt };
  }

  /** Verifies signature, issuer, audience, expiry and claim shapes. Throws TOKEN_EXPIRED or TOKEN_INVALID. */
  async verifyInvite(token: string): Promise<InviteClaims> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.publicKey, { algorithms: ['EdDSA'], issuer: ISSUER, audience: AUDIENCE }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new HearthError(ErrorCode.TOKEN_EXPIRED);
      throw new HearthError(ErrorCode.TOKEN_INVALID, 'signature or claims invalid');
    }
    const { sid, role, max, jti, exp } = payload;
    if (typeof sid !== 'string' || typeof jti !== 'string' || typeof exp !== 'number') {
      throw new HearthError(ErrorCode.TOKEN_INVALID, 'missing claims');
    }
    if (!(ROLES as readonly unknown[]).includes(role)) throw new HearthError(ErrorCode.TOKEN_INVALID, 'unknown role');
    if (!Number.isInteger(max) || (max as number) < 1) throw new HearthError(ErrorCode.TOKEN_INVALID, 'bad use limit');
    return { sessionId: sid, role: role as Role, inviteId: jti, maxUses: max as number, expiresAt: new Date(exp * 1000) };
  }
}
