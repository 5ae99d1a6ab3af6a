// The soak section (issue 11): 1,000 reloads of one running app (the Python fixture, app-dir mode,
// the default window), each a one-file sync followed by the first response with the new message.
// watchexec's resident memory, open file descriptors and threads, and the number of processes
// in its tree, are read from /proc before the first reload (after a warm-up) and every 100
// reloads: a supervisor that leaks any of them shows it here long before a day-long dev session.
import { readdirSync, readFileSync } from "node:fs";
import { descendants } from "../../integration/harness/process.ts";
import { progress, type BenchContext } from "./context.ts";
import { firstResponse, launchAndTime, withPythonBuild } from "./live.ts";
import { fmtMs, format, median, percentile, type Row } from "./report.ts";

export interface Footprint {
  /** VmRSS of watchexec, in bytes. */
  rss: number;
  fds: number;
  threads: number;
  /** watchexec and every process below it. */
  processes: number;
}

/** What /proc says about `pid` (watchexec, which the launcher exec'd into) and its tree. */
export function footprint(pid: number): Footprint {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? Number.NaN);
  return {
    rss: field("VmRSS") * 1024,
    fds: readdirSync(`/proc/${pid}/fd`).length,
    threads: field("Threads"),
    processes: 1 + descendants(pid).length,
  };
}

const WARM_UP = 10;
const CHECKPOINT_EVERY = 100;

export async function soakSection(ctx: BenchContext): Promise<Row[]> {
  const reloads = ctx.quick ? 100 : 1_000;
  return withPythonBuild(ctx, {}, async (build) => {
    const { proc, url } = await launchAndTime(build, "web");
    ctx.liveApps.add(proc);
    try {
      const comm = readFileSync(`/proc/${proc.pid}/comm`, "utf8").trim();
      if (comm !== "watchexec") throw new Error(`expected the launcher to have exec'd into watchexec, found ${comm}`);
      const reload = async (n: number): Promise<number> => {
        const message = `soak ${n}`;
        await build.sync({ "message.txt": `${message}\n` });
        const synced = performance.now();
        return (await firstResponse(url, (body) => body === message, 30_000)) - synced;
      };
      for (let i = 0; i < WARM_UP; i++) await reload(-1 - i);
      const checkpoints: { reloads: number; footprint: Footprint }[] = [{ reloads: 0, footprint: footprint(proc.pid) }];
      const latencies: number[] = [];
      const started = performance.now();
      for (let i = 1; i <= reloads; i++) {
        latencies.push(await reload(i));
        if (i % CHECKPOINT_EVERY === 0 || i === reloads) {
          // Let the restart just done settle, so the tree is counted between restarts.
          await new Promise((r) => setTimeout(r, 200));
          const f = footprint(proc.pid);
          checkpoints.push({ reloads: i, footprint: f });
          progress(`  soak: ${i} reloads: watchexec RSS ${format(f.rss, "bytes")}, ${f.fds} fds, ${f.threads} threads, ${f.processes} processes`);
        }
      }
      const seconds = (performance.now() - started) / 1000;
      const before = checkpoints[0]!.footprint;
      const after = checkpoints.at(-1)!.footprint;
      const starts = proc.count(/app started/);
      ctx.report({
        title: `Soak: ${reloads} reloads of one running app (python-web, app-dir mode, 50 ms window), watchexec read from /proc`,
        grid: {
          header: ["reloads", "watchexec RSS", "open fds", "threads", "processes in its tree"],
          rows: checkpoints.map(({ reloads: n, footprint: f }) => [String(n), format(f.rss, "bytes"), String(f.fds), String(f.threads), String(f.processes)]),
          right: new Set([0, 1, 2, 3, 4]),
        },
        notes: [
          `${WARM_UP} reloads before the first reading; each reload is a one-file tar sync and the first response with the new message, then the next one at once.`,
          `${reloads} reloads in ${seconds.toFixed(0)} s; end of sync -> new response median ${fmtMs(median(latencies))}, p90 ${fmtMs(percentile(latencies, 90))}; ${starts} "app started" lines in all (${WARM_UP + reloads + 1} expected).`,
        ],
      });
      return [
        { section: "soak", metric: `watchexec RSS growth over ${reloads} reloads`, unit: "bytes", samples: [after.rss - before.rss], target: { limit: 4 * 1024 * 1024, text: "<= 4.0 MiB" } },
        { section: "soak", metric: `watchexec open fds, after - before ${reloads} reloads`, unit: "count", samples: [after.fds - before.fds], target: { limit: 0, text: "exactly 0", exact: true } },
        // No target: tokio's blocking pool starts and retires threads (10 s idle) as it likes.
        { section: "soak", metric: `watchexec threads, after - before ${reloads} reloads`, unit: "count", samples: [after.threads - before.threads] },
        { section: "soak", metric: `processes in watchexec's tree, after - before ${reloads} reloads`, unit: "count", samples: [after.processes - before.processes], target: { limit: 0, text: "exactly 0", exact: true } },
        { section: "soak", metric: "end of sync -> new response, each reload", unit: "ms", samples: latencies },
      ];
    } finally {
      await proc.stop();
      ctx.liveApps.delete(proc);
    }
  });
}
