import { loadConfig } from './config/loadConfig.js';
import { configFromEnv } from './config/env.js';
import { buildApp } from './app/buildApp.js';

const config = loadConfig(configFromEnv());
const app = await buildApp(config);
const address = await app.fastify.listen({ host: config.http.host, port: config.http.port });
const port = new URL(address).port;
app.fastify.log.info({ rtcPorts: app.workers.rtcPorts() }, 'media ports (UDP and TCP)');
process.stdout.write(`\nHearth is running. Open http://localhost:${port}/ in your browser.\n\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.fastify.log.info('shutting down');
    void app.fastify.close().then(() => process.exit(0));
  });
}
