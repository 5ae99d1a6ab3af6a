// Builds examples/node-web with the real lifecycle as a build user would (detector, builder),
// runs it with the real launcher, syncs an edit as Tilt does (one tar stream into the app
// dir) and prints the reload with its timing.
import { join } from "node:path";
import {
  assertBuilt,
  freePort,
  reloadable,
  repoRoot,
  serveLocalWatchexec,
  waitForBody,
  withBuild,
} from "../integration/harness/index.ts";

const say = (text = "") => console.log(text);
const step = (text: string) => say(`\n==> ${text}`);

// The official release URL is unreachable here: serve the watchexec that scripts/tools built
// from crates.io, and point a copy of buildpack.toml at it.
const { server, descriptor } = await serveLocalWatchexec();
const app = join(repoRoot, "examples", "node-web");

try {
  await withBuild({ app, env: { BP_LIVE_RELOAD_ENABLED: "true" }, order: [reloadable({ descriptor })] }, async (build) => {
    step(`pack-style build of examples/node-web with the real lifecycle (as uid ${build.user?.uid ?? process.getuid?.()})`);
    say("    platform env: BP_LIVE_RELOAD_ENABLED=true");
    const result = await build.build();
    assertBuilt(result);
    const started = result.log.indexOf("Reloadable Buildpack");
    say(result.log.slice(started >= 0 ? started : 0).trimEnd());

    step("launch the default process through the real launcher (as /cnb/process/web would)");
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const proc = await build.launch("web", { PORT: String(port) });
    const first = await waitForBody(url);
    say(`    GET ${url} -> ${first.body.trim()}   (cold start ${first.ms.toFixed(0)} ms)`);

    step("sync an edit into the app dir as ONE tar stream, as Tilt's live_update does");
    const greeting = `Hello again, reloaded at ${new Date().toISOString().slice(11, 19)}`;
    const sync = await build.sync({ "greeting.txt": `${greeting}\n` });
    const reloaded = await waitForBody(url, (body) => body.trim() === greeting);
    say(`    synced greeting.txt (${sync.bytes} bytes of tar in ${sync.ms} ms)`);
    say(`    GET ${url} -> ${reloaded.body.trim()}`);
    say(`    reload: end of sync -> new response in ${reloaded.ms.toFixed(0)} ms, ${proc.count(/listening on/) - 1} restart(s)`);

    step("stop it with SIGTERM, as a container runtime does");
    const stopped = await proc.stop();
    say(`    exited (code ${stopped.code}, signal ${stopped.signal}) in ${stopped.ms} ms; leftover processes: ${stopped.leftovers.length}`);
    say("\n    what the launcher printed:");
    for (const line of proc.log.trimEnd().split("\n")) say(`      ${line}`);
  });
} finally {
  await server.stop();
}
say(`\nDone. The same buildpack: ${join(repoRoot, "dist", "buildpack")} (pack build ... --buildpack ${join("dist", "buildpack")}).`);
