// Every `pack build` command that the README and the examples give is one a user can run as
// written: it parses, and each --buildpack is something pack resolves (an id of the Paketo
// builder the command names, or the path of the packaged buildpack; the bare id
// reloadable/watchexec resolves nowhere). Then pack, given Reloadable by path as these commands
// do, builds an image that reloads.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../harness/paths.ts";
import { readTiltfile } from "../harness/tiltfile.ts";
import { composePackCommand, docker, imageProcesses, packBuild, parsePackCommand, unresolvableBuildpack, watchexecCount } from "./harness/index.ts";

const EXAMPLES = ["python-web", "node-web", "java-spring-boot"];

/** `pack build` commands in a Markdown file: fenced shell blocks, and inline code spans that name a buildpack. */
function markdownPackCommands(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const commands: string[] = [];
  for (const block of text.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    const joined = block[1]!.replace(/\\\n\s*/g, " ");
    for (const line of joined.split("\n")) if (/^\s*pack build /.test(line)) commands.push(line.replace(/\s+#.*$/, "").trim());
  }
  for (const span of text.matchAll(/`(pack build [^`]+--buildpack [^`]+)`/g)) commands.push(span[1]!);
  return commands;
}

function expectResolvable(command: string, cwd: string): void {
  const parsed = parsePackCommand(command.replace("$EXPECTED_REF", "image"));
  expect(parsed.env.BP_LIVE_RELOAD_ENABLED, command).toBe("true");
  const problems = parsed.buildpacks.map((b) => unresolvableBuildpack(b, cwd, parsed.builder)).filter((p) => p !== undefined);
  expect(problems, command).toEqual([]);
  expect(parsed.buildpacks.at(-1), `Reloadable goes last: ${command}`).toMatch(/dist\/buildpack|\.cnb$/);
}

describe.each(EXAMPLES)("examples/%s", (name) => {
  const dir = join(repoRoot, "examples", name);

  it("the Tiltfile's pack command parses and names buildpacks pack resolves", () => {
    expectResolvable(readTiltfile(join(dir, "Tiltfile")).buildCommand.replace(/^mvn [^&]*&&\s*/, ""), dir);
  });

  it("compose.yaml's pack command parses and names buildpacks pack resolves; Compose reads the file: host network, user cnb", async () => {
    expectResolvable(composePackCommand(join(dir, "compose.yaml")).text, dir);
    const config = await docker(["compose", "config", "--format", "json"], { cwd: dir, env: { ...process.env, IMAGE: "example" } as Record<string, string> });
    expect(config.code, config.stderr).toBe(0);
    const web = (JSON.parse(config.stdout) as { services: Record<string, { network_mode?: string; user?: string; develop?: unknown }> }).services.web;
    expect(web?.network_mode).toBe("host");
    expect(web?.user).toBe("cnb");
    expect(web?.develop).toBeDefined();
  });

  it("a --path in its commands names what the example's build makes", () => {
    const paths = [readTiltfile(join(dir, "Tiltfile")).buildCommand, composePackCommand(join(dir, "compose.yaml")).text]
      .map((c) => parsePackCommand(c.replace(/^mvn [^&]*&&\s*/, "").replace("$EXPECTED_REF", "image")).path)
      .filter((p) => p !== undefined);
    if (!existsSync(join(dir, "pom.xml"))) return expect(paths).toEqual([]);
    const pom = readFileSync(join(dir, "pom.xml"), "utf8").replace(/<parent>[\s\S]*?<\/parent>/, "");
    const jar = `target/${/<artifactId>([^<]+)<\/artifactId>/.exec(pom)?.[1]}-${/<version>([^<]+)<\/version>/.exec(pom)?.[1]}.jar`;
    expect(paths).toEqual([jar, jar]);
  });
});

describe("the README's commands", () => {
  it.each([
    ["README.md", repoRoot],
    ["examples/python-web/README.md", join(repoRoot, "examples", "python-web")],
  ])("%s: each pack build parses and names buildpacks pack resolves", (file, cwd) => {
    const commands = markdownPackCommands(join(repoRoot, file));
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) expectResolvable(command, cwd);
  });
});

describe("Reloadable given to pack by path, as the examples' commands do", () => {
  it("pack resolves the buildpack directory, builds examples/python-web with Paketo procfile before it, and the web process reloads", async () => {
    // The offline copy the builder holds (dist/buildpack's descriptor would download watchexec
    // from GitHub, unreachable here); a directory all the same.
    const reloadableDir = join(repoRoot, ".tools", "container", "builder", "buildpacks", "reloadable");
    await packBuild(
      { app: join(repoRoot, "examples", "python-web"), name: "python-web-by-path", env: { BP_LIVE_RELOAD_ENABLED: "true" }, buildpacks: ["paketo-buildpacks/procfile", reloadableDir] },
      async (ctx) => {
        expect(ctx.packLog).toContain("Reloadable Buildpack for watchexec");
        const { types } = await imageProcesses(ctx.image);
        expect(watchexecCount(types.web ?? "")).toBe(1);
        await ctx.startContainer({}, async (app) => {
          expect((await app.waitForBody()).body).toContain("hello from python-web");
        });
      },
    );
  });
});
