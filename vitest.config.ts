import { defineConfig } from 'vitest/config';

// Integration tests drive real processes (the local host, Azurite) over real sockets. The CI and dev
// boxes are small (2 cores) and busy, so: forks (each suite in its own process), at most 2 at a time,
// generous timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    pool: 'forks',
    poolOptions: { forks: { minForks: 1, maxForks: 2 } },
    fileParallelism: true,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
