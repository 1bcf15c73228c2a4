import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ClientRequests, type ClientRequestName } from './clientToServer.js';
import { ServerEvents, type ServerEventName } from './serverToClient.js';
import { ApiRefusal, CreateSessionResponse } from './http.js';

/**
 * Checks what the server sends against the same schemas the server is held to. The browser treats the server as
 * an adversary (docs/e2ee.md): an event or ack of the wrong shape is dropped before any model sees it.
 * Interpretive (`Value.Check`), not compiled: the page's Content-Security-Policy forbids `eval`.
 * Returns undefined when the value fits, else where and why it does not.
 */
function problem(schema: TSchema, value: unknown): string | undefined {
  if (Value.Check(schema, value)) return undefined;
  const first = Value.Errors(schema, value).First();
  return first ? `${first.path || '/'}: ${first.message}` : 'does not match';
}

export function serverEventProblem(name: ServerEventName, payload: unknown): string | undefined {
  const schema = (ServerEvents as Record<string, TSchema>)[name];
  return schema ? problem(schema, payload) : 'unknown event';
}

export function responseProblem(name: ClientRequestName, data: unknown): string | undefined {
  return problem(ClientRequests[name].response as TSchema, data);
}

/** The answer to `POST /api/sessions`, checked: the session, a typed refusal, or a problem. */
export function readCreateSession(body: unknown): { created: CreateSessionResponse } | { refused: ApiRefusal['code'] } | { problem: string } {
  if (Value.Check(CreateSessionResponse, body)) return { created: body };
  if (Value.Check(ApiRefusal, body)) return { refused: body.code };
  return { problem: problem(CreateSessionResponse, body) ?? 'does not match' };
}
