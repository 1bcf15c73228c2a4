import { loadConfig } from './config/loadConfig.js';
import { configFromEnv, configFromFile } from './config/env.js';
import { buildApp } from './app/buildApp.js';
import { startBanner, writeMadeKey } from './app/banner.js';
import { releaseBanner, releaseOf } from './app/release.js';

// Embedded defaults, then the file HEARTH_CONFIG names (if any), then the environment.
const config = loadConfig(configFromFile(), configFromEnv());
const app = await buildApp(config);
const address = await app.fastify.listen({ host: config.http.host, port: config.http.port });
const port = new URL(address).port;
app.fastify.log.info({ rtcPorts: app.workers.rtcPorts() }, 'media ports (UDP and TCP)');
// The facilitator key goes to an interactive terminal only, never to a log stream (app/banner.ts).
const interactive = process.stdout.isTTY === true;
const keyFile = app.adminKeyMadeHere && !interactive ? writeMadeKey(app.adminKey) : undefined;
process.stdout.write(startBanner({ port: Number(port), adminKey: app.adminKey, madeHere: app.adminKeyMadeHere, interactive, keyFile }));
const release = releaseOf(app.fastify);
if (release) process.stdout.write(releaseBanner(release));

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.fastify.log.info('shutting down: every session ends');
    void app.fastify.close().then(() => process.exit(0));
  });
}
