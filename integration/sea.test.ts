// The buildpack's executables need no Node.js: build images have none. bin/detect and bin/build
// run here with an empty environment, as uid 1000, with every node binary of this machine
// hidden behind /dev/null in a private mount namespace.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localWatchexec, reloadableDescriptor, requirePackage, scratchRoot } from "./harness/index.ts";
import { chownTree, runAs } from "./harness/user.ts";

const user = runAs();
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(scratchRoot(), "reloadable-sea-"));
  chmodSync(root, 0o755);
  const buildpack = join(root, "buildpack");
  mkdirSync(join(buildpack, "bin"), { recursive: true });
  cpSync(join(requirePackage(), "bin", "main"), join(buildpack, "bin", "main"));
  cpSync(join(requirePackage(), "bin", "reloadable-helper"), join(buildpack, "bin", "reloadable-helper"));
  symlinkSync("main", join(buildpack, "bin", "detect"));
  symlinkSync("main", join(buildpack, "bin", "build"));
  // The artifact comes from a file: URI, so no server (and no network) is involved.
  const watchexec = localWatchexec();
  writeFileSync(join(root, watchexec.name), watchexec.bytes);
  writeFileSync(join(buildpack, "buildpack.toml"), reloadableDescriptor([{ version: "2.5.1", uri: `file://${join(root, watchexec.name)}`, sha256: watchexec.sha256 }]));
  for (const dir of ["app", "platform/env", "layers/reloadable_watchexec", "out"]) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, "platform/env/BP_LIVE_RELOAD_ENABLED"), "true");
  writeFileSync(join(root, "app/Procfile"), "web: ./server\n");
  writeFileSync(join(root, "out", "plan.toml"), '[[entries]]\nname = "watchexec"\n');
  for (const dir of ["app", "platform", "layers", "out"]) await chownTree(join(root, dir), user);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every node on this machine's usual paths, to hide. */
const nodes = ["/usr/bin/node", "/usr/local/bin/node", join(requirePackage(), "..", "..", "node_modules", ".bin", "node")].filter((p) => existsSync(p));

function runHidden(phase: "detect" | "build", env: Record<string, string>): { status: number | null; output: string } {
  const exe = join(root, "buildpack", "bin", phase);
  const envArgs = ["env", "-i", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), exe];
  const asUser = user === undefined ? envArgs : ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", ...envArgs];
  // As root: a private mount namespace where every node is /dev/null. Otherwise node is only
  // off PATH (env -i leaves PATH unset).
  const script = user === undefined ? `exec "$@"` : `${nodes.map((n) => `mount --bind /dev/null '${n}'`).join(" && ")} && exec "$@"`;
  const command = user === undefined ? ["sh", "-c", script, "sh", ...asUser] : ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", ...asUser];
  const result = spawnSync(command[0]!, command.slice(1), { cwd: join(root, "app"), encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("bin/detect and bin/build with no Node.js", () => {
  it("node is really hidden in that environment", () => {
    const probe =
      user === undefined
        ? spawnSync("env", ["-i", "/bin/sh", "-c", "command -v node"], { encoding: "utf8" })
        : spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", `${nodes.map((n) => `mount --bind /dev/null '${n}'`).join(" && ")} && /usr/bin/node --version`], { encoding: "utf8" });
    expect(probe.status).not.toBe(0);
  });

  it("detect passes and writes the plan", () => {
    const result = runHidden("detect", { CNB_PLATFORM_DIR: join(root, "platform"), CNB_BUILD_PLAN_PATH: join(root, "out", "detect-plan.toml"), CNB_BUILDPACK_DIR: join(root, "buildpack") });
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
    expect(readFileSync(join(root, "out", "detect-plan.toml"), "utf8")).toContain('name = "watchexec"');
  });

  it("build installs watchexec from a .tar.xz and writes the processes", () => {
    const result = runHidden("build", {
      CNB_PLATFORM_DIR: join(root, "platform"),
      CNB_BP_PLAN_PATH: join(root, "out", "plan.toml"),
      CNB_BUILDPACK_DIR: join(root, "buildpack"),
      CNB_LAYERS_DIR: join(root, "layers", "reloadable_watchexec"),
    });
    expect(result.output).toContain("Installing: no cached layer");
    expect(result.status).toBe(0);
    expect(execFileSync(join(root, "layers/reloadable_watchexec/watchexec/bin/watchexec"), ["--version"], { encoding: "utf8" })).toContain("watchexec 2.5.1");
    expect(readFileSync(join(root, "layers/reloadable_watchexec/launch.toml"), "utf8")).toContain('"watchexec"');
  });
});
