import { Type, type Static } from '@sinclair/typebox';
import { ErrorCode } from '../vocabulary/errorCodes.js';
import { B64, Id, InviteToken, SessionId, SessionKindSchema } from './common.js';

/**
 * The HTTP API (one route): `POST /api/sessions` with `Authorization: Bearer <facilitator key>`. Used by the
 * /host page and the CLI; the server validates the request with this schema and the callers validate the answer.
 */
export const CreateSessionRequest = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 120 }),
    kind: Type.Optional(SessionKindSchema),
    /** The session signing key's public half (Ed25519, base64url): the server checks certificates with it. */
    signingKey: B64(43, 43),
  },
  { additionalProperties: false },
);
export type CreateSessionRequest = Static<typeof CreateSessionRequest>;

/** An invite as the server hands it out; the caller adds the fragment secrets to make a link. */
export const InviteGrant = Type.Object({ token: InviteToken, inviteId: Id, expiresAt: Type.String({ maxLength: 40 }) });
export type InviteGrant = Static<typeof InviteGrant>;

/** 201: the session, and one invite for its facilitator (or secretary) and one for its members. */
export const CreateSessionResponse = Type.Object({
  ok: Type.Literal(true),
  sessionId: SessionId,
  path: Type.String({ maxLength: 80 }),
  facilitator: InviteGrant,
  member: InviteGrant,
});
export type CreateSessionResponse = Static<typeof CreateSessionResponse>;

/** Any refusal: 400 (BAD_MESSAGE), 401 (NOT_ALLOWED). */
export const ApiRefusal = Type.Object({ ok: Type.Literal(false), code: Type.Enum(ErrorCode) });
export type ApiRefusal = Static<typeof ApiRefusal>;
