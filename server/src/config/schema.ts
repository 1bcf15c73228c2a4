import { Type, type Static } from '@sinclair/typebox';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const IPv4or6 = Type.String({ minLength: 2, maxLength: 64, pattern: '^[0-9a-fA-F:.]+$' });

/** The whole server configuration. Unknown keys are rejected at every level. */
export const ConfigSchema = Type.Object(
  {
    /** HTTP + socket.io listen address and port. */
    http: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Type.Integer({ minimum: 0, maximum: 65535 }),
        /**
         * Behind a reverse proxy (Caddy): take each client's address from the last X-Forwarded-For entry (the one
         * the proxy wrote) for the per-address limits. Off (unset) = the socket's own peer address, header ignored.
         */
        trustProxy: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    /**
     * Per-address connection limits, checked at the socket.io handshake (refused with RATE_LIMITED). Generous:
     * a household or office behind one NAT never meets them. Unset = 20 sockets open and 60 new per minute.
     */
    limits: Type.Optional(Type.Object(
      {
        connectionsPerAddress: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
        connectsPerAddressPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
      },
      { additionalProperties: false },
    )),
    /** Media (ICE/DTLS/SRTP) sockets: one UDP and one TCP port shared by every transport (WebRtcServer). */
    rtc: Type.Object(
      {
        /** Port for both UDP and TCP. 0 = any free port (tests). */
        port: Type.Integer({ minimum: 0, maximum: 65535 }),
        /**
         * Local addresses to listen on. Empty = every IPv4 address of this machine (loopback included), so
         * browsers on this machine and on the LAN can both reach the server without further setup.
         */
        listenIps: Type.Array(IPv4or6, { maxItems: 16 }),
        /** Address to announce in ICE candidates instead of the listen address (a public IP behind NAT). */
        announcedAddress: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
        enableTcp: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
    mediasoup: Type.Object(
      {
        /** Workers to run; 0 = one per CPU core. */
        numWorkers: Type.Integer({ minimum: 0, maximum: 64 }),
        logLevel: Type.Union([Type.Literal('debug'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('none')]),
        /** Turn io_uring off (some container runtimes forbid it). */
        disableLiburing: Type.Boolean(),
        /** Outgoing bitrate cap per receive transport, bits/s. */
        maxIncomingBitrate: Type.Integer({ minimum: 100_000, maximum: 50_000_000 }),
      },
      { additionalProperties: false },
    ),
    sessions: Type.Object(
      {
        /** Most people in one session's circle (admitted, moderators included); groups are small by design. */
        maxPeers: Type.Integer({ minimum: 2, maximum: 50 }),
        /** Most people in one session's waiting room; unset = maxPeers. Never counts against the circle. */
        maxWaiting: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
        /**
         * How long a member whose link dropped keeps their seat, role, stick-queue place and keys (the `away`
         * standing); coming back within it skips the waiting room. Unset = 60.
         */
        reconnectGraceSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 600 })),
        /** A session with nobody in it ends after this many minutes. */
        idleMinutes: Type.Integer({ minimum: 1, maximum: 7 * 24 * 60 }),
        /** How long the links made with a new session stay valid. */
        inviteTtlMinutes: Type.Integer({ minimum: 5, maximum: 7 * 24 * 60 }),
      },
      { additionalProperties: false },
    ),
    /**
     * The facilitator credential: whoever holds it may create sessions (the /host page, the CLI).
     * Empty (and no `adminKeyFile`) = a random one made at each start: shown only on an interactive terminal, never
     * written to a log stream (see main.ts).
     */
    adminKey: Type.String({ maxLength: 256, pattern: '^$|^[\\x21-\\x7e]{32,256}$' }),
    /**
     * A file holding the facilitator credential instead (trimmed): a systemd credential (`%d/admin-key`), a compose
     * secret (`/run/secrets/…`), or a file only the service user can read. Set this or `adminKey`, not both.
     */
    adminKeyFile: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    /**
     * Operator metrics (`GET /metrics`, Prometheus text, `Authorization: Bearer <token>`). Unset, or neither key
     * set = no /metrics at all. `token` (32+ printable characters) or `tokenFile` (a file holding one; trimmed).
     * The token is never logged.
     */
    metrics: Type.Optional(Type.Object(
      {
        token: Type.Optional(Type.String({ maxLength: 256, pattern: '^[\\x21-\\x7e]{32,256}$' })),
        tokenFile: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
      },
      { additionalProperties: false },
    )),
    /**
     * TURN for members behind restrictive networks (coturn, `use-auth-secret`): Hearth mints short-lived credentials
     * from the secret it shares with the TURN server (the TURN REST convention) and hands them to each member with
     * the room; no long-lived password ever reaches a browser. `urls`: `turn:` / `turns:` URIs (UDP, and TLS on 443
     * for networks that allow nothing else). `secret` or `secretFile` (32+ printable characters). Unset = no TURN.
     */
    turn: Type.Optional(Type.Object(
      {
        urls: Type.Array(Type.String({ pattern: '^turns?:[^\\s]{1,250}$' }), { minItems: 1, maxItems: 8 }),
        secret: Type.Optional(Type.String({ maxLength: 256, pattern: '^[\\x21-\\x7e]{32,256}$' })),
        secretFile: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
        /** How long a minted credential is valid; unset = 4 hours (a session and then some: coturn checks it again on every refresh). */
        ttlSeconds: Type.Optional(Type.Integer({ minimum: 300, maximum: 86_400 })),
      },
      { additionalProperties: false },
    )),
    /**
     * Scale-out (docs/scale-out.md): several nodes share a Redis directory of which node holds which session; each
     * serves socket.io at /n/<nodeId>/socket.io and the proxy routes that path to it. Unset = one node, no Redis.
     * `livenessSeconds`: how long the node's liveness key lives (refreshed at a third of it); unset = 10.
     */
    cluster: Type.Optional(Type.Object(
      {
        redisUrl: Type.String({ minLength: 1, maxLength: 1024, pattern: '^rediss?://' }),
        nodeId: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }),
        livenessSeconds: Type.Optional(Type.Integer({ minimum: 2, maximum: 300 })),
      },
      { additionalProperties: false },
    )),
    /** Built client to serve; empty = do not serve a client (tests of the signaling alone). */
    clientDir: Type.String(),
    logLevel: Type.Union([
      Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'),
      Type.Literal('silent'),
    ]),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;

/** Deep partial, for overrides from env and tests. */
export type ConfigOverrides = { [K in keyof Config]?: Config[K] extends object ? Partial<Config[K]> : Config[K] };
