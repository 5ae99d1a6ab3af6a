// The java section (issue 5): JVM reload latency on the real lifecycle with a real JVM, next to
// the JVM's cold start, with hot swap off (BP_LIVE_RELOAD_JVM_HOTSWAP=false: the hotswap section
// measures it). (a) The plain exploded-JAR fixture app (javac, app/ + lib/util.jar), reloaded by
// syncing one recompiled class, with the buildpack's default JVM options and with none. (b) The
// Spring Boot example (Maven, exploded JAR), reloaded by replaying its Tiltfile's live_update
// (sync target/classes into BOOT-INF/classes, then write the trigger): DevTools restarts in the
// JVM, JVM restarts with the default options, and without.
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { freePort } from "../../integration/harness/http.ts";
import type { BuildResult, CnbBuild } from "../../integration/harness/lifecycle.ts";
import { fixturesDir, repoRoot } from "../../integration/harness/paths.ts";
import { start, type RunningProcess } from "../../integration/harness/process.ts";
import { readTiltfile, replayLiveUpdate } from "../../integration/harness/tiltfile.ts";
import { BASE_PATH, progress, type BenchContext } from "./context.ts";
import { firstResponse, launchAndTime, sleep, withLiveBuild } from "./live.ts";
import { fmtMs, median, percentile, type Row } from "./report.ts";

const PLAIN_SOURCES = join(fixturesDir, "apps", "java-plain");
const SPRING_EXAMPLE = join(repoRoot, "examples", "java-spring-boot");
const CONTROLLER = "src/main/java/com/example/reloadable/GreetingController.java";
const GREETING_LITERAL = /"hello from spring boot [^"\\]*\\n"/;
const JAR_LAUNCHER = "org.springframework.boot.loader.launch.JarLauncher";
/** The buildpack's default BP_LIVE_RELOAD_JVM_OPTIONS (src/java/jvm-options.ts). */
const FAST_START = "-XX:TieredStopAtLevel=1";
/** Probes for the new response every 5 ms, as the issue asks (the JVM takes 100s of ms anyway). */
const PROBE_MS = 5;
const PLAIN_STARTED = /app started pid=(\d+)/g;
/** Spring Boot logs both at every start, in the JVM (DevTools) or in a new one. */
const SPRING_STARTING = /Starting Application .*with PID/g;
const SPRING_STARTED = /Started Application in/g;
const SPRING_PID = /Starting Application .*with PID (\d+)/g;
const PICKED_UP = /Picked up JAVA_TOOL_OPTIONS: (.*)/;

/** How one app shows its (re)starts in its output, and how long to watch for more after a reload. */
export interface StartLines {
  started: RegExp;
  /** A line with the JVM's pid, once per start (so the JVMs that ran the app can be counted). */
  pid: RegExp;
  /** A line logged early in a start: while there are more of these than `started`, a start is under way. */
  starting?: RegExp;
  /** After the new response, keep counting for at least this long, and until this long passed with no new line. */
  afterMs: number;
  quietMs: number;
}
const PLAIN_LINES: StartLines = { started: PLAIN_STARTED, pid: PLAIN_STARTED, afterMs: 500, quietMs: 500 };
/** A second JVM restart would print "Starting" ~0.5 s after it began; DevTools polls every 200 ms. */
const SPRING_LINES: StartLines = { started: SPRING_STARTED, starting: SPRING_STARTING, pid: SPRING_PID, afterMs: 1500, quietMs: 1000 };

interface ReloadSample {
  /** End of sync (plain) or of sync + trigger (Spring Boot) -> first response with the new greeting. */
  latency: number;
  /** build.sync's own clock: first byte streamed -> tar exited. */
  syncMs: number;
  /** Spring Boot: the trigger step (sh -c 'date > .../trigger/sync' as the app user), spawn -> exit. */
  triggerMs?: number;
  /** Start lines ("app started", "Started Application in") from the reload until it settled. */
  restarts: number;
}

/** What one configuration measured, for the rows and the report. */
interface Config {
  label: string;
  env: Record<string, string>;
  /** JAVA_TOOL_OPTIONS as the JVM reported it at the first start ("Picked up ..."), or undefined. */
  pickedUp: string | undefined;
  /** What watchexec watches and its window (from the web command). */
  watch: string;
  /** What web runs under watchexec. */
  command: string;
  firstStartMs: number;
  samples: ReloadSample[];
  /** Distinct JVMs (pids) that ran the app over the launch: 1 when DevTools restarts in the JVM. */
  jvms: number;
}

/**
 * Waits until `notBefore`, then until no start line came for `quietMs` and no start is half
 * done; returns how many `started` lines the output holds then.
 */
export async function settleStarts(proc: RunningProcess, lines: StartLines, notBefore: number, timeoutMs = 60_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let last = "";
  let changed = performance.now();
  for (;;) {
    if (proc.exitStatus !== undefined) throw new Error(`the app's process tree exited (${JSON.stringify(proc.exitStatus)}); output:\n${proc.log}`);
    const now = performance.now();
    const started = proc.count(lines.started);
    const starting = lines.starting === undefined ? started : proc.count(lines.starting);
    if (`${started}/${starting}` !== last) {
      last = `${started}/${starting}`;
      changed = now;
    }
    if (now >= notBefore && now - changed >= lines.quietMs && starting <= started) return started;
    if (now > deadline) throw new Error(`the app did not settle within ${timeoutMs} ms (${started} started, ${starting} starting); output:\n${proc.log}`);
    await sleep(25);
  }
}

/** `java ARGS` spawned by the harness as the app user in the app dir (no launcher, no JAVA_TOOL_OPTIONS): spawn -> first response. */
export async function coldJava(ctx: BenchContext, build: CnbBuild, args: string[]): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const proc = start("java", args, { cwd: build.appDir, env: { PATH: BASE_PATH, HOME: build.homeDir, PORT: String(port) }, user: build.user });
  ctx.liveApps.add(proc);
  try {
    const answered = await firstResponse(`http://127.0.0.1:${port}/`, () => true, 60_000, PROBE_MS);
    return answered - started;
  } finally {
    await proc.stop();
    ctx.liveApps.delete(proc);
  }
}

/** Cold starts without and with -XX:TieredStopAtLevel=1, alternating round by round; the first round is a warm-up. */
async function floors(ctx: BenchContext, build: CnbBuild, rounds: number, args: string[]): Promise<{ plain: number[]; fast: number[] }> {
  const plain: number[] = [];
  const fast: number[] = [];
  for (let i = 0; i <= rounds; i++) {
    const p = await coldJava(ctx, build, args);
    const f = await coldJava(ctx, build, [FAST_START, ...args]);
    if (i === 0) continue;
    plain.push(p);
    fast.push(f);
  }
  return { plain, fast };
}

interface Reload {
  /** performance.now() at the end of the sync (and trigger). */
  end: number;
  syncMs: number;
  triggerMs?: number;
}

interface ReloadPlan {
  label: string;
  env: Record<string, string>;
  /** The JVM options web must get: the default -XX:TieredStopAtLevel=1, and DevTools' switch. */
  fastStart: boolean;
  devtools: boolean;
  lines: StartLines;
  count: number;
  /** Makes the app answer `expected(k)`. */
  reload: (k: number) => Promise<Reload>;
  expected: (k: number) => string;
}

/** Launches web, checks the JVM options it got, then reloads `count` + 1 times (the first one untimed). */
async function measureReloads(ctx: BenchContext, build: CnbBuild, result: BuildResult, plan: ReloadPlan): Promise<Config> {
  const { label, lines, reload, expected } = plan;
  const launched = await launchAndTime(build, "web");
  const { proc, url } = launched;
  ctx.liveApps.add(proc);
  try {
    expectOptions(label, PICKED_UP.exec(proc.log)?.[1]?.trim(), plan.fastStart, plan.devtools);
    let before = await settleStarts(proc, lines, performance.now());
    if (before !== 1) throw new Error(`${label}: ${before} starts at launch, expected 1; output:\n${proc.log}`);
    const samples: ReloadSample[] = [];
    for (let k = 0; k <= plan.count; k++) {
      const done = await reload(k);
      const want = expected(k);
      const responded = await firstResponse(url, (body) => body.trim() === want, 60_000, PROBE_MS);
      const after = await settleStarts(proc, lines, responded + lines.afterMs);
      const sample: ReloadSample = { latency: responded - done.end, syncMs: done.syncMs, restarts: after - before, ...(done.triggerMs !== undefined ? { triggerMs: done.triggerMs } : {}) };
      before = after;
      if (ctx.verbose) process.stderr.write(`    ${label} #${k}: sync ${done.syncMs} ms, latency ${sample.latency.toFixed(1)} ms, ${sample.restarts} restart(s)\n`);
      if (k > 0) samples.push(sample);
    }
    progress(`  java: ${label}: ${samples.map((s) => s.latency.toFixed(0)).join(" ")} ms`);
    const jvms = new Set([...proc.log.matchAll(lines.pid)].map((m) => m[1])).size;
    await proc.stop();
    const pickedUp = PICKED_UP.exec(proc.log)?.[1]?.trim();
    const web = result.processes.find((p) => p.type === "web")?.command ?? [];
    const watch = web.flatMap((arg, i) => (web[i - 1] === "--watch" ? [`--watch ${arg}`] : arg.startsWith("--debounce=") ? [arg] : [])).join(" ");
    return {
      label,
      env: plan.env,
      pickedUp: pickedUp === undefined ? undefined : inImage(build, pickedUp),
      watch: inImage(build, watch),
      command: inImage(build, web.slice(web.indexOf("--") + 1).join(" ")),
      firstStartMs: launched.ms,
      samples,
      jvms,
    };
  } catch (error) {
    proc.kill();
    throw error;
  } finally {
    ctx.liveApps.delete(proc);
  }
}

/** The JVM options the build must have put into JAVA_TOOL_OPTIONS of web, checked at its first start. */
function expectOptions(label: string, pickedUp: string | undefined, fastStart: boolean, devtools: boolean): void {
  const options = pickedUp ?? "";
  if (options.includes(FAST_START) !== fastStart || options.includes("-Dspring.devtools.restart.enabled=true") !== devtools) {
    throw new Error(`${label}: the JVM picked up JAVA_TOOL_OPTIONS ${JSON.stringify(pickedUp)}: expected ${fastStart ? "" : "no "}${FAST_START} and ${devtools ? "" : "no "}DevTools`);
  }
}

/** Paths of the build as an image built by pack has them: /workspace and /layers. */
function inImage(build: CnbBuild, text: string): string {
  return text.replaceAll(build.appDir, "/workspace").replaceAll(build.layersDir, "/layers");
}

/** JAVA_TOOL_OPTIONS for the table: DevTools' five options in one word (they are in a note). */
function optionsCell(pickedUp: string | undefined): string {
  if (pickedUp === undefined) return "(none)";
  const words = pickedUp.split(/\s+/);
  const devtools = words.filter((w) => w.startsWith("-Dspring.devtools."));
  return [...words.filter((w) => !w.startsWith("-Dspring.devtools.")), ...(devtools.length > 0 ? [`+ ${devtools.length} DevTools options`] : [])].join(" ");
}

/** Runs a build tool to completion; a failure shows what it printed (mvn -q prints errors on stdout). */
function exec(command: string, args: string[], cwd?: string): void {
  try {
    execFileSync(command, args, { stdio: "pipe", ...(cwd !== undefined ? { cwd } : {}) });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`${command} ${args.join(" ")} failed${cwd !== undefined ? ` in ${cwd}` : ""}:\n${stdout?.toString() ?? ""}${stderr?.toString() ?? ""}`);
  }
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** The rows every configuration gets: latency, and restarts per reload (exactly 1). */
function configRows(config: Config, what: string, restartsLine: string): Row[] {
  const s = config.samples;
  return [
    { section: "java", metric: `${config.label}: ${what} -> new greeting`, unit: "ms", samples: s.map((x) => x.latency) },
    { section: "java", metric: `${config.label}: restarts per reload (${restartsLine})`, unit: "count", samples: s.map((x) => x.restarts), target: { limit: 1, text: "exactly 1", exact: true } },
  ];
}

const envText = (env: Record<string, string>) =>
  Object.entries(env)
    .map(([k, v]) => `${k}=${v === "" ? '""' : v}`)
    .join(" ");

/** Issue 5: Java reload latency, plain exploded JAR and Spring Boot, against the JVM's cold start. */
export async function javaSection(ctx: BenchContext): Promise<Row[]> {
  const plan = ctx.quick ? { reloads: 3, plainFloor: 3, springFloor: 2 } : { reloads: 10, plainFloor: 10, springFloor: 8 };
  const rows: Row[] = [];
  const configs: Config[] = [];

  // --- (a) the plain exploded JAR --------------------------------------------------------------
  // One javac build per greeting beforehand (r0 is the untimed first reload); every reload syncs
  // only app/Greeting.class of its greeting.
  const buildPlain = (greeting: string) => {
    const out = ctx.dir("java-plain");
    exec("bash", [join(PLAIN_SOURCES, "build.sh"), out, greeting]);
    return out;
  };
  const plainApp = buildPlain("hello v1");
  const plainGreeting = (k: number) => `hello r${k}`;
  const greetingClasses = Array.from({ length: plan.reloads + 1 }, (_, k) => readFileSync(join(buildPlain(plainGreeting(k)), "app", "Greeting.class")));
  const plainReload = (build: CnbBuild) => async (k: number) => {
    const synced = await build.sync({ "app/Greeting.class": greetingClasses[k]! });
    return { end: performance.now(), syncMs: synced.ms };
  };
  let plainFloor: { plain: number[]; fast: number[] } | undefined;
  for (const [label, env, fastStart] of [
    ["plain, default JVM options", { BP_LIVE_RELOAD_ENABLED: "true", BP_LIVE_RELOAD_JVM_HOTSWAP: "false" }, true],
    ["plain, no JVM options", { BP_LIVE_RELOAD_ENABLED: "true", BP_LIVE_RELOAD_JVM_HOTSWAP: "false", BP_LIVE_RELOAD_JVM_OPTIONS: "" }, false],
  ] as const) {
    const config = await withLiveBuild(ctx, plainApp, "jvm-provider", env, async (build, result) => {
      // The floor, once, on the first build's app dir (before any reload changes it).
      plainFloor ??= await floors(ctx, build, plan.plainFloor, ["-cp", `${build.appDir}:${build.appDir}/lib/util.jar`, "app.Main"]);
      return measureReloads(ctx, build, result, { label, env, fastStart, devtools: false, lines: PLAIN_LINES, count: plan.reloads, reload: plainReload(build), expected: plainGreeting });
    });
    configs.push(config);
  }
  rows.push(
    { section: "java", metric: "plain: floor, java -cp <app>:<app>/lib/util.jar app.Main spawned directly, -> first response", unit: "ms", samples: plainFloor!.plain },
    { section: "java", metric: `plain: floor, the same with ${FAST_START}`, unit: "ms", samples: plainFloor!.fast },
    ...configRows(configs[0]!, "end of sync (app/Greeting.class)", '"app started"'),
    ...configRows(configs[1]!, "end of sync (app/Greeting.class)", '"app started"'),
  );

  // --- (b) the Spring Boot example ---------------------------------------------------------------
  // A developer's checkout, packaged by Maven and exploded as pack does; then one `mvn -o compile`
  // per greeting beforehand, each one's changed classes kept aside as a checkout of their own
  // (target/classes/...) for the Tiltfile replay.
  const tiltfile = readTiltfile(join(SPRING_EXAMPLE, "Tiltfile"));
  const checkout = ctx.dir("java-spring-checkout");
  cpSync(SPRING_EXAMPLE, checkout, { recursive: true, filter: (src) => relative(SPRING_EXAMPLE, src).split("/")[0] !== "target" });
  const packaged = performance.now();
  exec("mvn", ["-q", "-B", "package", "-DskipTests"], checkout);
  const packageMs = performance.now() - packaged;
  const jar = readdirSync(join(checkout, "target")).find((f) => f.endsWith(".jar"));
  if (jar === undefined) throw new Error("mvn package made no JAR");
  const exploded = ctx.dir("java-spring-exploded");
  exec("jar", ["xf", join(checkout, "target", jar)], exploded);
  const springGreeting = (k: number) => `hello from spring boot r${k}`;
  const controller = join(checkout, CONTROLLER);
  const snapshots: { root: string; changed: string[] }[] = [];
  const compiles: number[] = [];
  for (let k = 0; k <= plan.reloads; k++) {
    const source = readFileSync(controller, "utf8");
    if (!GREETING_LITERAL.test(source)) throw new Error(`${CONTROLLER} has no greeting literal like "hello from spring boot v1\\n"`);
    writeFileSync(controller, source.replace(GREETING_LITERAL, `"${springGreeting(k)}\\n"`));
    const compiledBefore = Date.now();
    const started = performance.now();
    exec("mvn", ["-o", "-q", "-B", "compile"], checkout);
    if (k > 0) compiles.push(performance.now() - started);
    const changed = listFiles(join(checkout, "target", "classes"))
      .filter((f) => statSync(f).mtimeMs >= compiledBefore - 1000)
      .map((f) => relative(checkout, f));
    if (changed.length === 0) throw new Error("mvn -o compile changed nothing under target/classes");
    const root = ctx.dir("java-spring-classes");
    for (const file of changed) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      copyFileSync(join(checkout, file), join(root, file));
    }
    snapshots.push({ root, changed });
  }
  const springReload = (build: CnbBuild) => async (k: number) => {
    const replayed = await replayLiveUpdate(build, tiltfile, { root: snapshots[k]!.root, changed: snapshots[k]!.changed });
    return { end: replayed.runEnded, syncMs: replayed.syncMs, triggerMs: replayed.runEnded - replayed.syncEnded };
  };
  let springFloor: { plain: number[]; fast: number[] } | undefined;
  const springConfigs: Config[] = [];
  for (const [label, extra, fastStart, devtools] of [
    ["Spring Boot, DevTools restart", { BP_LIVE_RELOAD_JVM_HOTSWAP: "false" }, true, true],
    ["Spring Boot, JVM restart with options", { BP_LIVE_RELOAD_JVM_HOTSWAP: "false", BP_LIVE_RELOAD_DEVTOOLS: "false" }, true, false],
    ["Spring Boot, JVM restart without options", { BP_LIVE_RELOAD_JVM_HOTSWAP: "false", BP_LIVE_RELOAD_DEVTOOLS: "false", BP_LIVE_RELOAD_JVM_OPTIONS: "" }, false, false],
  ] as const) {
    const env = { ...tiltfile.env, ...extra };
    const config = await withLiveBuild(ctx, exploded, "jvm-provider", env, async (build, result) => {
      if (!result.log.includes(`Spring Boot, ${JAR_LAUNCHER}`)) throw new Error(`${label}: the build did not see a Spring Boot app run by ${JAR_LAUNCHER}; log:\n${result.log}`);
      if (result.log.includes("Spring Boot DevTools restarts the app inside the JVM") !== devtools) throw new Error(`${label}: DevTools ${devtools ? "not " : ""}chosen by the build; log:\n${result.log}`);
      springFloor ??= await floors(ctx, build, plan.springFloor, ["-cp", build.appDir, JAR_LAUNCHER]);
      return measureReloads(ctx, build, result, { label, env, fastStart, devtools, lines: SPRING_LINES, count: plan.reloads, reload: springReload(build), expected: springGreeting });
    });
    springConfigs.push(config);
    configs.push(config);
  }
  const [devtoolsConfig, , withoutOptions] = springConfigs as [Config, Config, Config];
  const latencyMedian = (c: Config) => median(c.samples.map((s) => s.latency));
  const speedup = (1 - latencyMedian(devtoolsConfig) / latencyMedian(withoutOptions)) * 100;
  rows.push(
    { section: "java", metric: "Spring Boot: edit the greeting, mvn -o -q -B compile (not in the latencies)", unit: "ms", samples: compiles },
    { section: "java", metric: `Spring Boot: floor, java -cp <exploded> ${JAR_LAUNCHER} spawned directly, -> first response`, unit: "ms", samples: springFloor!.plain },
    { section: "java", metric: `Spring Boot: floor, the same with ${FAST_START}`, unit: "ms", samples: springFloor!.fast },
    ...springConfigs.flatMap((c) => configRows(c, "end of sync + trigger", '"Started Application in"')),
    {
      section: "java",
      metric: `Spring Boot reload, DevTools restart vs JVM restart without options: 1 - ${fmtMs(latencyMedian(devtoolsConfig))} / ${fmtMs(latencyMedian(withoutOptions))}`,
      unit: "percent",
      samples: [speedup],
      target: { limit: 30, text: "at least 30 % faster", atLeast: true },
    },
  );

  const all = (c: Config, pick: (s: ReloadSample) => number | undefined) => c.samples.map(pick).filter((x): x is number => x !== undefined);
  ctx.report({
    title: "java: configurations (one build each; latencies in the main table)",
    grid: {
      header: ["configuration", "build env (besides BP_LIVE_RELOAD_ENABLED=true)", "JAVA_TOOL_OPTIONS picked up", "watchexec", "first start", "sync", "trigger", "n", "latency", "p90", "JVMs"],
      right: new Set([4, 5, 6, 7, 8, 9, 10]),
      rows: configs.map((c) => [
        c.label,
        envText(Object.fromEntries(Object.entries(c.env).filter(([k]) => k !== "BP_LIVE_RELOAD_ENABLED"))) || "-",
        optionsCell(c.pickedUp),
        c.watch,
        fmtMs(c.firstStartMs),
        fmtMs(median(all(c, (s) => s.syncMs))),
        all(c, (s) => s.triggerMs).length > 0 ? fmtMs(median(all(c, (s) => s.triggerMs))) : "-",
        String(c.samples.length),
        fmtMs(latencyMedian(c)),
        fmtMs(percentile(all(c, (s) => s.latency), 90)),
        String(c.jvms),
      ]),
    },
    notes: [
      `Reloads: ${plan.reloads} timed per configuration, after 1 untimed; each a new greeting. Probes every ${PROBE_MS} ms, each on a new connection. first start: launch web -> first response.`,
      "plain: the java-plain fixture (build.sh, javac) built with fixtures/jvm-provider then this buildpack, app-dir mode; each reload syncs only app/Greeting.class " +
        "(build.sync, one tar, as the app user), compiled beforehand into its own dir. latency: build.sync resolved (tar exited and the staging copy removed, ~1 ms) -> first response " +
        "with the new greeting. restarts: \"app started\" lines until 500 ms after the new response and 500 ms with none.",
      `Spring Boot: examples/java-spring-boot copied without target/, \`mvn -q -B package -DskipTests\` (${fmtMs(packageMs)}), the JAR exploded with \`jar xf\` (as pack does), ` +
        `built with the Tiltfile's env (${envText(tiltfile.env)}). Each greeting compiled beforehand (edit GreetingController.java, \`mvn -o -q -B compile\`, timed above); ` +
        `the classes it changed (mtime; ${snapshots[1]?.changed.map((f) => f.split("/").pop()).join(", ") ?? "-"}) kept aside and synced by replaying the Tiltfile's live_update ` +
        "(integration/harness replayLiveUpdate: sync() as one tar into BOOT-INF/classes, then run('date > .../trigger/sync') as the app user). " +
        "latency: that run step's exit, as node saw it -> first response with the new greeting (the trigger file is written a few ms before sh exits: from the write itself it would be a few ms more). " +
        "sync: tar, first byte -> exit; trigger: the run step, spawn -> exit.",
      "restarts (Spring Boot): \"Started Application in\" lines until 1.5 s after the new response, 1 s with no \"Starting\"/\"Started\" line, and no start half done. " +
        "JVMs: distinct pids in \"app started pid=\" or \"Starting Application ... with PID\" lines over the launch: first start + untimed reload + n for restarts of the JVM, 1 when DevTools restarts in it.",
      `floors: java spawned by the harness as the app user in the build's app dir, no launcher and no JAVA_TOOL_OPTIONS, spawn -> first response; with and without ${FAST_START} ` +
        `alternating, after 1 warm-up round; plain ${plan.plainFloor}, Spring Boot ${plan.springFloor} rounds.`,
      `web runs, under watchexec (plus its default --ignore globs): ${[...new Set(configs.map((c) => c.command))].join("; ")}. Paths as in an image built by pack: /workspace, /layers. ` +
        `DevTools options (default Spring Boot configuration): ${devtoolsConfig.pickedUp?.split(/\s+/).filter((w) => w.startsWith("-Dspring.devtools.")).join(" ") ?? "-"}`,
    ],
  });
  return rows;
}
