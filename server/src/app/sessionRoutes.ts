import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CreateSessionRequest, ErrorCode, type CreateSessionResponse } from '@hearth/shared';
import { fromB64 } from '@hearth/shared/crypto';
import type { TokenService } from '../auth/TokenService.js';
import type { SessionRegistry } from '../room/SessionRegistry.js';

export interface SessionRoutesOptions {
  adminKey: string;
  sessions: SessionRegistry;
  tokens: TokenService;
  maxPeers: number;
  inviteTtlMinutes: number;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time check of `Authorization: Bearer <admin key>`. */
function authorized(req: FastifyRequest, adminKey: string): boolean {
  const header = req.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice(7) : '';
  return given.length > 0 && timingSafeEqual(digest(given), digest(adminKey));
}

function refuse(reply: FastifyReply, status: number, code: ErrorCode): FastifyReply {
  return reply.code(status).send({ ok: false, code });
}

/** 32 bytes from 43 base64url characters, or undefined (the last character may carry stray bits). */
function signingKeyBytes(b64: string): Uint8Array | undefined {
  try {
    const bytes = fromB64(b64);
    return bytes.length === 32 ? bytes : undefined;
  } catch {
    return undefined;
  }
}

/**
 * POST /api/sessions: a facilitator (holding the admin key) creates a session and gets two invites, one to
 * facilitate it and one for its members. The body carries the public half of the session signing key (made by the
 * caller, like the fragment secret, which the server never sees); links are assembled by the caller.
 */
export function registerSessionRoutes(fastify: FastifyInstance, o: SessionRoutesOptions): void {
  fastify.post<{ Body: CreateSessionRequest }>(
    '/api/sessions',
    {
      schema: { body: CreateSessionRequest },
      attachValidation: true,
    },
    async (req, reply) => {
      if (!authorized(req, o.adminKey)) return refuse(reply, 401, ErrorCode.NOT_ALLOWED);
      if (req.validationError) return refuse(reply, 400, ErrorCode.BAD_MESSAGE);
      const kind = req.body.kind ?? 'clinical';
      const signingKey = signingKeyBytes(req.body.signingKey);
      if (!signingKey) return refuse(reply, 400, ErrorCode.BAD_MESSAGE);
      const session = await o.sessions.create(req.body.title.trim(), kind, signingKey);
      const invites = await session.openingInvites(o.tokens, { ttlSeconds: o.inviteTtlMinutes * 60, memberUses: o.maxPeers });
      const created: CreateSessionResponse = { ok: true, sessionId: session.id, path: `/s/${session.id}`, ...invites };
      return reply.code(201).send(created);
    },
  );
}
