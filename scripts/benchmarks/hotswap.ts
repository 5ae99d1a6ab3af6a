// The hotswap section (issue 16): end of sync -> new response for each edit type of the issue on
// the Spring Boot example, with hot swap (the default), with DevTools restarts and with JVM
// restarts (BP_LIVE_RELOAD_JVM_HOTSWAP=false, and BP_LIVE_RELOAD_DEVTOOLS=false). The three
// apps run side by side, built from the same exploded JAR, and each sync goes to the three in
// turn, so that load on the machine hits them alike. Each edit was compiled by `mvn -o compile`
// beforehand (integration/harness/hotswap-edits.ts); a sync replays the example's Tiltfile
// (sync() of the changed classes into BOOT-INF/classes, then the trigger). An edit is applied and
// undone per round (the undo is not timed); round 0 of each edit type is a warm-up.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { compileSpringEdits, type CompiledEdit } from "../../integration/harness/hotswap-edits.ts";
import { JavaWorkspace, springExample } from "../../integration/harness/java-apps.ts";
import { assertBuilt, CnbBuild, type BuildResult } from "../../integration/harness/lifecycle.ts";
import type { RunningProcess } from "../../integration/harness/process.ts";
import { fixtureBuildpack, reloadable } from "../../integration/harness/reloadable.ts";
import { readTiltfile, replayLiveUpdate } from "../../integration/harness/tiltfile.ts";
import { progress, type BenchContext } from "./context.ts";
import { coldJava, settleStarts } from "./java.ts";
import { firstResponse, launchAndTime } from "./live.ts";
import { fmtMs, median, percentile, type Row } from "./report.ts";

/** Probes every 2 ms: a hot swap is served in tens of ms. */
const PROBE_MS = 2;
const STARTED = /Started Application in/g;
const STARTING = /Starting Application .*with PID/g;
const AGENT_LINE = /^\[reloadable\] (?:hot swap|restart \((?:DevTools|JVM)\)): .*$/gm;
/** The target of the issue: a method-body change served within 100 ms. */
const TARGET_MS = 100;
const JAR_LAUNCHER = "org.springframework.boot.loader.launch.JarLauncher";

interface Side {
  label: string;
  env: Record<string, string>;
  build: CnbBuild;
  result: BuildResult;
  proc: RunningProcess;
  url: string;
  firstStartMs: number;
}

interface Measured {
  edit: CompiledEdit;
  /** Per side: end of sync + trigger -> new response, ms. */
  latencies: number[][];
  /** The hot swap side's agent lines for the timed syncs. */
  lines: string[];
}

const SIDES: [string, Record<string, string>][] = [
  ["hot swap (default; DevTools packaged)", {}],
  ["DevTools restart (BP_LIVE_RELOAD_JVM_HOTSWAP=false)", { BP_LIVE_RELOAD_JVM_HOTSWAP: "false" }],
  ["JVM restart (+ BP_LIVE_RELOAD_DEVTOOLS=false)", { BP_LIVE_RELOAD_JVM_HOTSWAP: "false", BP_LIVE_RELOAD_DEVTOOLS: "false" }],
];

export async function hotswapSection(ctx: BenchContext): Promise<Row[]> {
  const rounds = ctx.quick ? 2 : 6;
  const java = new JavaWorkspace();
  const sides: Side[] = [];
  try {
    const compiledStarted = performance.now();
    const { spring, edits } = compileSpringEdits(java);
    progress(`  hotswap: the example packaged and ${edits.length} edits compiled in ${fmtMs(performance.now() - compiledStarted)}`);
    const tiltfile = readTiltfile(join(springExample, "Tiltfile"));
    const descriptor = await ctx.descriptor();
    for (const [label, env] of SIDES) {
      const build = await CnbBuild.create({ app: spring.exploded, env: { ...tiltfile.env, ...env }, order: [fixtureBuildpack("jvm-provider"), reloadable({ descriptor })] });
      ctx.liveBuilds.add(build);
      const result = await build.build();
      assertBuilt(result);
      const launched = await launchAndTime(build, "web");
      ctx.liveApps.add(launched.proc);
      sides.push({ label, env, build, result, proc: launched.proc, url: launched.url.replace(/\/$/, ""), firstStartMs: launched.ms });
    }
    for (const side of sides) await settleStarts(side.proc, { started: STARTED, starting: STARTING, pid: STARTING, afterMs: 0, quietMs: 1000 }, performance.now());

    const root = (files: Record<string, Buffer>) => {
      const dir = java.tempDir("sync");
      const changed = Object.entries(files).map(([file, bytes]) => {
        const path = join("target", "classes", file);
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), bytes);
        return path;
      });
      return { root: dir, changed };
    };
    /** Syncs `files` into a side, waits for `body` at `request`, then for the app to settle. */
    const apply = async (side: Side, files: Record<string, Buffer>, request: string, body: string): Promise<number> => {
      const sync = root(files);
      const replayed = await replayLiveUpdate(side.build, tiltfile, sync);
      const answered = await firstResponse(`${side.url}${request}`, (b) => b.trim() === body, 120_000, PROBE_MS);
      await settleStarts(side.proc, { started: STARTED, starting: STARTING, pid: STARTING, afterMs: 800, quietMs: 800 }, answered + 800);
      return answered - replayed.runEnded;
    };

    const measured: Measured[] = [];
    const base = { request: "/", body: "hello from spring boot v1" };
    for (const [i, edit] of edits.entries()) {
      const before = i === 0 ? base : edits[i - 1]!;
      const latencies = sides.map(() => [] as number[]);
      const lines: string[] = [];
      for (let round = 0; round <= rounds; round++) {
        for (const [s, side] of sides.entries()) {
          const linesBefore = [...side.proc.log.matchAll(AGENT_LINE)].length;
          const ms = await apply(side, edit.changed, edit.request, edit.body);
          if (round > 0) latencies[s]!.push(ms);
          if (s === 0 && round > 0) lines.push(...[...side.proc.log.matchAll(AGENT_LINE)].slice(linesBefore).map((m) => m[0]));
          // Back to the state before, untimed; the last round leaves the edit for the next one.
          if (round < rounds) await apply(side, edit.undo, before.request, before.body);
        }
      }
      progress(`  hotswap: ${edit.name}: ${sides.map((side, s) => `${side.label.split(" (")[0]} ${latencies[s]!.map((l) => l.toFixed(0)).join(" ")} ms`).join("; ")}`);
      measured.push({ edit, latencies, lines });
    }

    // What the agent costs at startup: `java -cp <app> JarLauncher` spawned directly, with and
    // without the agent (the hot swap side's layer and config), alternating; round 0 a warm-up.
    const agent = /-javaagent:\S+/.exec(sides[0]!.proc.log)?.[0];
    if (agent === undefined) throw new Error(`the hot swap side's JVM picked up no -javaagent; output:\n${sides[0]!.proc.log}`);
    const starts = { without: [] as number[], with: [] as number[] };
    for (let round = 0; round <= rounds; round++) {
      const without = await coldJava(ctx, sides[0]!.build, ["-XX:TieredStopAtLevel=1", "-cp", sides[0]!.build.appDir, JAR_LAUNCHER]);
      const withAgent = await coldJava(ctx, sides[0]!.build, ["-XX:TieredStopAtLevel=1", agent, "-cp", sides[0]!.build.appDir, JAR_LAUNCHER]);
      if (round === 0) continue;
      starts.without.push(without);
      starts.with.push(withAgent);
    }
    progress(`  hotswap: cold start without the agent ${starts.without.map((l) => l.toFixed(0)).join(" ")} ms, with it ${starts.with.map((l) => l.toFixed(0)).join(" ")} ms`);

    const rows: Row[] = [
      { section: "hotswap", metric: `cold start, java -XX:TieredStopAtLevel=1 -cp <app> ${JAR_LAUNCHER} spawned directly, -> first response`, unit: "ms", samples: starts.without },
      { section: "hotswap", metric: "cold start, the same with the agent (-javaagent:.../reloadable-hotswap.jar=...)", unit: "ms", samples: starts.with },
    ];
    for (const m of measured) {
      for (const [s, side] of sides.entries()) {
        const path = s === 0 ? ` [${pathOf(m.lines)}]` : "";
        rows.push({
          section: "hotswap",
          metric: `${m.edit.name}: ${side.label}${path}, end of sync + trigger -> new response`,
          unit: "ms",
          samples: m.latencies[s]!,
          ...(s === 0 && m.edit.name === "method body change" ? { target: { limit: TARGET_MS, text: `<= ${TARGET_MS} ms` } } : {}),
        });
      }
    }
    ctx.report({
      title: "hotswap: each edit type on the Spring Boot example, end of sync + trigger -> new response (median / p90 ms)",
      grid: {
        header: ["edit type", "path with hot swap (the agent's line)", "hot swap", "p90", "DevTools restart", "p90", "JVM restart", "p90"],
        right: new Set([2, 3, 4, 5, 6, 7]),
        rows: measured.map((m) => [
          m.edit.name,
          pathOf(m.lines),
          ...m.latencies.flatMap((samples) => [fmtMs(median(samples)), fmtMs(percentile(samples, 90))]),
        ]),
      },
      notes: [
        `${rounds} timed syncs per edit type and app, after 1 untimed; each edit applied, measured, then undone (untimed). The three apps run side by side; each sync goes to all three in turn.`,
        `Apps: examples/java-spring-boot packaged by Maven and exploded (as pack does), built with fixtures/jvm-provider then this buildpack, the Tiltfile's env (${Object.entries(tiltfile.env).map(([k, v]) => `${k}=${v}`).join(" ")}) plus: ${SIDES.map(([label, env]) => `${label.split(" (")[0]}: ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(" ") || "nothing"}`).join("; ")}.`,
        "Edits (integration/harness/hotswap-edits.ts), each compiled by `mvn -o -q -B compile` beforehand; a sync replays the Tiltfile's live_update with the class files that differ from the state before: sync() as one tar into BOOT-INF/classes, then run('reloadable-trigger') through the launcher. " +
          "latency: that run step's exit -> first response with the edit's body (probes every 2 ms, each on a new connection).",
        ...measured.map((m) => `${m.edit.name}, the agent's line: ${m.lines.at(-1) ?? "(none)"}`),
        `Cold starts (the agent's cost at start): java spawned by the harness as the app user in the hot swap side's app dir, no launcher, no JAVA_TOOL_OPTIONS, with and without its -javaagent option, alternating, ${rounds} rounds after 1 warm-up: ` +
          `median ${fmtMs(median(starts.without))} without, ${fmtMs(median(starts.with))} with. First starts through the launcher (one each, the first launched first): ${sides.map((s) => `${s.label.split(" (")[0]} ${fmtMs(s.firstStartMs)}`).join(", ")}.`,
      ],
    });
    return rows;
  } finally {
    for (const side of sides) {
      await side.proc.stop();
      ctx.liveApps.delete(side.proc);
      await side.build.cleanup();
      ctx.liveBuilds.delete(side.build);
    }
    java.removeAll();
  }
}

/** "hot swap" or "restart (DevTools)", as the agent's lines for the timed syncs said (all alike, or each). */
function pathOf(lines: readonly string[]): string {
  const paths = lines.map((line) => (line.startsWith("[reloadable] hot swap") ? "hot swap" : /restart \((DevTools|JVM)\)/.exec(line)?.[0] ?? line));
  const distinct = [...new Set(paths)];
  return distinct.length === 0 ? "(no line)" : distinct.join(" / ");
}
