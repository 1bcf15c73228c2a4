import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../config/schema.js';

/**
 * Log options. Privacy rule: no names, addresses, message contents or tokens in logs. Request logging is
 * off (URLs carry group ids); fields that could carry personal data are redacted wherever they appear.
 */
export function loggerOptions(config: Readonly<Config>, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    ...(stream ? { stream } : {}),
    level: config.logLevel,
    redact: {
      paths: [
        'displayName', '*.displayName', 'ip', '*.ip', 'remoteAddress', '*.remoteAddress', 'roomId', '*.roomId',
        'token', '*.token', 'headers', '*.headers', 'payload', '*.payload',
      ],
      censor: '[redacted]',
    },
    serializers: {
      // Fastify would log the client's address and host with every request; keep the method only.
      req: (req: { method?: string }) => ({ method: req.method }),
    },
  };
}
