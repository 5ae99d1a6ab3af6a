import { basename } from "node:path";
import { readDescriptor } from "./cnb/descriptor.ts";
import { buildContext, detectContext, writeBuildPlan } from "./cnb/context.ts";
import { readPlatform } from "./cnb/platform.ts";
import { Settings } from "./config.ts";
import { detect } from "./detect.ts";
import { BuildpackError, explainSystemError } from "./errors.ts";
import { streamLogger } from "./output.ts";

const PASS = 0;
const FAIL = 100;
const ERROR = 1;

async function runDetect(args: string[]): Promise<number> {
  const context = detectContext(args, process.env, process.cwd(), process.execPath);
  const [descriptor, platform] = await Promise.all([
    readDescriptor(context.buildpackDir),
    readPlatform(context.platformDir, process.env),
  ]);
  const result = await detect(new Settings(platform, process.env, descriptor.configurations), async () => {
    const { detectJavaApp } = await import("./java/app.ts");
    return (await detectJavaApp(context.appDir)) !== undefined;
  });
  if (!result.pass) {
    process.stdout.write(`${result.reason}\n`);
    return FAIL;
  }
  await writeBuildPlan(context.planPath, result.plan);
  return PASS;
}

async function runBuild(args: string[]): Promise<number> {
  const context = buildContext(args, process.env, process.cwd(), process.execPath);
  const [descriptor, platform] = await Promise.all([
    readDescriptor(context.buildpackDir),
    readPlatform(context.platformDir, process.env),
  ]);
  // Loaded only here: detect runs for every build and should not pay for the download and
  // extraction code (esbuild keeps a dynamic import lazy inside the single bundle).
  const { build } = await import("./build.ts");
  await build({
    context,
    descriptor,
    platform,
    settings: new Settings(platform, process.env, descriptor.configurations),
    processEnv: process.env,
    logger: streamLogger(process.stdout, process.stderr),
  });
  return PASS;
}

/**
 * The one place errors become output: what went wrong, then what to do. A system error that no
 * module explained (EACCES, ENOSPC, EROFS...) still names its path and a fix.
 */
function report(error: unknown): number {
  const explained = error instanceof BuildpackError ? error : explainSystemError(error);
  if (explained !== undefined) {
    process.stderr.write(`ERROR: ${explained.message}\n  ${explained.fix}\n`);
  } else {
    process.stderr.write(`ERROR: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  return ERROR;
}

/** bin/detect and bin/build are links to this one executable; the name it ran as picks the phase. */
export async function main(argv0: string, args: string[]): Promise<number> {
  const phase = basename(argv0);
  try {
    if (phase === "detect") return await runDetect(args);
    if (phase === "build") return await runBuild(args);
    process.stderr.write(`ERROR: invoked as "${phase}"; run this program through its bin/detect or bin/build link\n`);
    return ERROR;
  } catch (error) {
    return report(error);
  }
}
