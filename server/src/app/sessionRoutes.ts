import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ErrorCode, SessionKindSchema } from '@hearth/shared';
import type { TokenService } from '../auth/TokenService.js';
import type { SessionRegistry } from '../room/SessionRegistry.js';

const CreateSessionBody = Type.Object(
  { title: Type.String({ minLength: 1, maxLength: 120 }), kind: Type.Optional(SessionKindSchema) },
  { additionalProperties: false },
);

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

/**
 * POST /api/sessions: a facilitator (holding the admin key) creates a session and gets two invites, one to
 * facilitate it and one for its members. Links are assembled by the caller, who adds the fragment secret
 * that the server never sees.
 */
export function registerSessionRoutes(fastify: FastifyInstance, o: SessionRoutesOptions): void {
  fastify.post<{ Body: Static<typeof CreateSessionBody> }>(
    '/api/sessions',
    {
      schema: { body: CreateSessionBody },
      attachValidation: true,
    },
    async (req, reply) => {
      if (!authorized(req, o.adminKey)) return refuse(reply, 401, ErrorCode.NOT_ALLOWED);
      if (req.validationError) return refuse(reply, 400, ErrorCode.BAD_MESSAGE);
      const kind = req.body.kind ?? 'clinical';
      const session = await o.sessions.create(req.body.title.trim(), kind);
      const ttlSeconds = o.inviteTtlMinutes * 60;
      const facilitator = await o.tokens.issueInvite({
        sessionId: session.id, role: kind === 'peer' ? 'secretary' : 'facilitator', maxUses: 3, ttlSeconds,
      });
      const member = await o.tokens.issueInvite({ sessionId: session.id, role: 'member', maxUses: o.maxPeers, ttlSeconds });
      return reply.code(201).send({
        ok: true,
        sessionId: session.id,
        path: `/s/${session.id}`,
        facilitator: { token: facilitator.token, inviteId: facilitator.inviteId, expiresAt: facilitator.expiresAt.toISOString() },
        member: { token: member.token, inviteId: member.inviteId, expiresAt: member.expiresAt.toISOString() },
      });
    },
  );
}
