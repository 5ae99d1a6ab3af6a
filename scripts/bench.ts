// The buildpack's performance figures: medians and p90s of the packaged SEA binary's phases,
// run directly (no lifecycle) as the current user, and the package's sizes; then live reloads
// on the real lifecycle, launcher and watchexec (sections reload, settle, trigger and java).
//   npm run bench -- [--only SECTION[,SECTION...]]... [--runs N] [--quick] [--markdown] [--check] [--list]
// Each section is one function returning rows; add a section by adding an entry to SECTIONS.
// This file is the command line only (scripts/bench is the shell wrapper); the rest is in
// scripts/benchmarks/: report.ts (rows, statistics, tables), context.ts (BenchContext, phase
// runs, sampling), phases.ts (detect, warm, cold, size), live.ts (the live-reload machinery),
// sections-live.ts (reload, trigger), settle.ts (settle), arm64.ts (arm64: under qemu), java.ts (java),
// hotswap.ts (hotswap), paketo.ts (paketo), devcmd.ts (devcmd), soak.ts (soak), containers.ts
// (containers: needs Docker; see scripts/container/) and build-image.ts (build-image: mvn
// spring-boot:build-image; needs Docker).
import { rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { requirePackage } from "../integration/harness/paths.ts";
import { BenchContext, progress, type Section } from "./benchmarks/context.ts";
import { coldSection, detectSection, sizeSection, warmSection } from "./benchmarks/phases.ts";
import { buildImageSection } from "./benchmarks/build-image.ts";
import { arm64Section } from "./benchmarks/arm64.ts";
import { containersSection } from "./benchmarks/containers.ts";
import { devcmdSection } from "./benchmarks/devcmd.ts";
import { javaSection } from "./benchmarks/java.ts";
import { hotswapSection } from "./benchmarks/hotswap.ts";
import { paketoSection } from "./benchmarks/paketo.ts";
import { met, renderReport, renderTable, type Row } from "./benchmarks/report.ts";
import { reloadSection, triggerSection } from "./benchmarks/sections-live.ts";
import { settleSection } from "./benchmarks/settle.ts";
import { soakSection } from "./benchmarks/soak.ts";

const DEFAULT_RUNS = 10;

/** The sections that build and run the app (the others time the buildpack's phases directly). */
const LIVE_SECTIONS = ["reload", "settle", "trigger", "java", "hotswap", "paketo", "devcmd", "soak", "containers", "build-image"];

const SECTIONS: Section[] = [
  { name: "detect", description: "bin/detect wall time (passing detection)", run: detectSection },
  { name: "warm", description: "bin/build reusing a valid layer", run: warmSection },
  { name: "cold", description: "bin/build into fresh layers from a local dependency server, and the transfer", run: coldSection },
  { name: "size", description: "sizes of bin/main and dist/buildpack", run: sizeSection },
  {
    name: "arm64",
    description: "linux/arm64 UNDER QEMU (not real arm64): bin/detect with and without the code cache, bin/build cold and warm, and the .cnb per arch",
    run: arm64Section,
  },
  { name: "reload", description: "live reload latency and app starts per sync (the defaults), against the app's cold start", run: reloadSection },
  {
    name: "settle",
    description: "app-dir mode: app starts, waiters and latency per (window, quiet period), disk (ext4, tmpfs), sync size and speed; cold and first start",
    run: settleSection,
  },
  { name: "trigger", description: "trigger mode: restarts and latency per sync size and speed, trigger -> old process gone", run: triggerSection },
  { name: "java", description: "JVM reload latency (plain exploded JAR; Spring Boot: DevTools, JVM restarts) against the JVM's cold start", run: javaSection },
  { name: "hotswap", description: "Spring Boot, each edit type: end of sync -> new response with hot swap, DevTools restarts and JVM restarts, side by side", run: hotswapSection },
  { name: "paketo", description: "the real Paketo groups' default process: Paketo alone vs Paketo + Reloadable, side by side (Node; Spring Boot with and without DevTools)", run: paketoSection },
  { name: "devcmd", description: "examples/node-dev: nodemon (Procfile.dev) reload vs a watchexec restart, side by side, and a package.json restart of the dev command", run: devcmdSection },
  { name: "soak", description: "1,000 reloads of one running app: watchexec's RSS, fds, threads and process tree before and after", run: soakSection },
  {
    name: "containers",
    description: "the examples in containers (pack build, docker run): sync -> new response and starts per sync per client, docker stop, cold and warm pack build",
    run: containersSection,
  },
  {
    name: "build-image",
    description: "mvn spring-boot:build-image of examples/java-spring-boot with the local builder (-D properties): new image, rebuild, empty Maven repository",
    run: buildImageSection,
  },
];

// ---------------------------------------------------------------------------------------------
// Command line

interface Options {
  only: string[];
  runs: number;
  check: boolean;
  verbose: boolean;
  quick: boolean;
  markdown: boolean;
}

function usage(): string {
  return [
    "usage: npm run bench -- [--only SECTION[,SECTION...]]... [--runs N] [--quick] [--markdown] [--check] [--verbose] [--list]",
    "  --only      run only these sections (repeatable)",
    `  --runs      timed runs per figure of detect, warm and cold, after one warm-up (default ${DEFAULT_RUNS})`,
    "  --quick     few repetitions in the live sections (reload, settle, trigger, java; soak: 100 reloads): a smoke test for CI",
    "  --markdown  also print the tables as Markdown",
    "  --check     exit 1 when a target is missed",
    "  --verbose   print the output of each phase's last run to stderr; in the live sections, each sync",
    "environment: RELOADABLE_BENCH_SETTLE=W/Q,... (ms) the settle configurations; RELOADABLE_IT_DISK_TMPDIR a dir on a real disk (default /var/tmp)",
    "sections:",
    ...SECTIONS.map((s) => `  ${s.name.padEnd(9)} ${s.description}`),
  ].join("\n");
}

function parseArgs(argv: string[]): Options {
  const options: Options = { only: [], runs: DEFAULT_RUNS, check: false, verbose: false, quick: false, markdown: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${usage()}`);
      return v;
    };
    if (arg === "--only") options.only.push(...value().split(",").filter((s) => s !== ""));
    else if (arg.startsWith("--only=")) options.only.push(...arg.slice("--only=".length).split(",").filter((s) => s !== ""));
    else if (arg === "--runs") options.runs = Number(value());
    else if (arg === "--check") options.check = true;
    else if (arg === "--verbose") options.verbose = true;
    else if (arg === "--quick") options.quick = true;
    else if (arg === "--markdown") options.markdown = true;
    else if (arg === "--list" || arg === "--help" || arg === "-h") {
      console.log(usage());
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${usage()}`);
  }
  if (!Number.isInteger(options.runs) || options.runs < 1) throw new Error(`--runs must be a positive integer\n${usage()}`);
  const unknown = options.only.filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(", ")}\n${usage()}`);
  return options;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  requirePackage();
  const sections = options.only.length === 0 ? SECTIONS : SECTIONS.filter((s) => options.only.includes(s.name));
  const ctx = new BenchContext(options.runs, options.verbose, options.quick);
  const cleanup = () => {
    ctx.killLive();
    rmSync(ctx.root, { recursive: true, force: true });
  };
  process.on("exit", cleanup);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));
  const rows: Row[] = [];
  const benchStarted = performance.now();
  const loadBefore = loadavg()[0]!;
  try {
    for (const section of sections) {
      const started = performance.now();
      progress(`${section.name}: ${section.description}`);
      rows.push(...(await section.run(ctx)));
      progress(`${section.name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await ctx.close();
  }

  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  const live = sections.some((s) => LIVE_SECTIONS.includes(s.name));
  console.log(
    `Reloadable benchmark: ${options.runs} timed runs per timing after 1 warm-up${live ? `; live sections: ${options.quick ? "--quick repetitions" : "their own repetitions"} (runs/n per figure)` : ""}; ` +
      "medians are checked against the targets (\"exactly\": every sample)",
  );
  console.log(
    `node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} x ${cpu}, uid ${process.getuid?.() ?? "?"}; ` +
      `${((performance.now() - benchStarted) / 1000).toFixed(0)} s; load average (1 min) ${loadBefore.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end`,
  );
  console.log("");
  const missed = rows.filter((row) => met(row) === false);
  const verdict = missed.length === 0 ? "All targets met." : `Targets missed: ${missed.map((r) => `${r.section}/${r.metric}`).join("; ")}`;
  const print = (markdown: boolean) => {
    if (rows.length > 0) console.log(renderTable(rows, markdown));
    for (const report of ctx.reports) console.log(`\n${renderReport(report, markdown)}`);
    console.log("");
    console.log(verdict);
  };
  print(false);
  if (options.markdown) {
    console.log("\n--- Markdown ---\n");
    print(true);
  }
  return options.check && missed.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
