import { defineConfig } from 'vitest/config';

// Two projects: `unit` is pure and fast (no network, no Redis); `integration`
// talks to a real Redis started by test/fixtures/redis-global-setup.ts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['pkg/**/*.test.ts', 'cmd/**/*.test.ts', 'bench/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['test/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/fixtures/redis-global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // Integration suites kill and restart their own redis-server processes
          // and bind real ports: a few files at a time keeps a 2-core box honest.
          maxWorkers: 2,
        },
      },
    ],
  },
});
