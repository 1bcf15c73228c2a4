import { loadConfig } from './config/loadConfig.js';
import { configFromEnv } from './config/env.js';
import { buildApp } from './app/buildApp.js';

const config = loadConfig(configFromEnv());
const app = await buildApp(config);
const address = await app.fastify.listen({ host: config.http.host, port: config.http.port });
const port = new URL(address).port;
app.fastify.log.info({ rtcPorts: app.workers.rtcPorts() }, 'media ports (UDP and TCP)');
// Printed to the operator's own terminal, never to the log: the key lets its holder create sessions.
const keyNote = config.adminKey ? '(from HEARTH_ADMIN_KEY)' : '(made for this run; set HEARTH_ADMIN_KEY to keep one)';
process.stdout.write(`
Hearth is running.

  Facilitators: open http://localhost:${port}/host#key=${app.adminKey}
                to create a session and get its links ${keyNote}.
  Or from a terminal:
    HEARTH_ADMIN_KEY=${app.adminKey} npm run hearth -- session create --title "Tuesday group" --url http://localhost:${port}

`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.fastify.log.info('shutting down: every session ends');
    void app.fastify.close().then(() => process.exit(0));
  });
}
