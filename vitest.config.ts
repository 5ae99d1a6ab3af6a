import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["integration/**/*.test.ts"],
          globalSetup: ["integration/harness/global-setup.ts"],
          // Each test runs the real lifecycle and real processes; they share a 2-core machine.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
