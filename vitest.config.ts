import { defineConfig } from 'vitest/config';

// Four levels: pure units beside their source; fast, the whole server with socket.io bots on the in-memory
// media port (tests/support/fakeMedia.ts, no worker; files in parallel); integration against a real mediasoup
// worker; end-to-end in Debian's Chromium. One command runs them all.
export default defineConfig({
  test: {
    reporters: ['default', './tests/support/summaryReporter.ts'],
    projects: [
      { test: { name: 'unit', include: ['shared/src/**/*.test.ts', 'server/src/**/*.test.ts', 'client/src/**/*.test.ts', 'tests/lint/**/*.test.ts'], testTimeout: 30_000 } },
      { test: { name: 'fast', include: ['tests/fast/**/*.test.ts'], testTimeout: 10_000 } },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
