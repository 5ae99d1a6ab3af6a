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
          exclude: ["integration/container/**"],
          globalSetup: ["integration/harness/global-setup.ts"],
          // After the unit tests (an explicit order: vitest would run it last, after container).
          sequence: { groupOrder: 1 },
          // Each test runs the real lifecycle and real processes; they share a 2-core machine.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: "container",
          include: ["integration/container/**/*.test.ts"],
          // The engine, stack, lifecycle image and builder (scripts/container/setup).
          globalSetup: ["integration/container/harness/global-setup.ts"],
          // pack build, docker run and real clients; after the unit and integration projects.
          sequence: { groupOrder: 2 },
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
