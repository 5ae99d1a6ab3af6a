// The container demo (npm run demo -- --container): examples/node-web as users run it, built by
// `pack build` with the local builder (scripts/container/setup made it), run by `docker run
// --network host`, an edit synced by `docker cp`, then `docker stop`. Everything it made is
// removed at the end.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILDER, packBuild } from "../integration/container/harness/index.ts";
import { repoRoot } from "../integration/harness/paths.ts";

const say = (text = "") => console.log(text);
const step = (text: string) => say(`\n==> ${text}`);
const app = join(repoRoot, "examples", "node-web");
const work = mkdtempSync(join(tmpdir(), "reloadable-demo-"));

try {
  step(`pack build examples/node-web --builder ${BUILDER} -e BP_LIVE_RELOAD_ENABLED=true`);
  await packBuild({ app, name: "demo-node-web", env: { BP_LIVE_RELOAD_ENABLED: "true" } }, async (build) => {
    const log = build.packLog;
    say(log.slice(Math.max(0, log.indexOf("Reloadable Buildpack"))).split("===> EXPORTING")[0]!.trimEnd());
    say(`    built ${build.image} in ${(build.packResult.ms / 1000).toFixed(1)} s`);

    step("docker run --network host (watchexec is PID 1; the app runs as uid 1002)");
    await build.startContainer({}, async (container) => {
      const first = await container.waitForBody();
      say(`    GET ${container.url()} -> ${first.body.trim()}   (${first.ms.toFixed(0)} ms after docker run)`);

      step("docker cp an edit into /workspace");
      const greeting = `Hello again, reloaded at ${new Date().toISOString().slice(11, 19)}`;
      writeFileSync(join(work, "greeting.txt"), `${greeting}\n`);
      await container.dockerCp(join(work, "greeting.txt"), "/workspace/greeting.txt");
      const reloaded = await container.waitForBody((body) => body.trim() === greeting);
      say(`    GET ${container.url()} -> ${reloaded.body.trim()}`);
      say(`    end of docker cp -> new response in ${reloaded.ms.toFixed(0)} ms`);

      step("docker stop");
      const stopped = await container.stop(15);
      say(`    stopped in ${stopped.ms.toFixed(0)} ms, exit code ${stopped.exitCode}`);
      say("\n    what the container printed:");
      for (const line of stopped.logs.trimEnd().split("\n")) say(`      ${line}`);
    });
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
say("\nDone; the image, its container and pack's cache volumes are removed.");
