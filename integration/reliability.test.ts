// Issue 11: the bad inputs an attacker or a clumsy user gives a build, on the real lifecycle.
// For each: the exact error, nothing written outside the layers dir (the app, platform and home
// dirs are compared byte for byte before and after), and nothing a later build could reuse
// (this buildpack's layers dir is left empty). Then the cases that must build: the cache
// cleaned and checked, setuid files left alone, the configuration table's values in effect.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, lstat, mkdir, readdir, readFile, readlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import { Header } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  chownTree,
  CnbBuild,
  escapeId,
  fixtureBuildpack,
  freePort,
  reloadable,
  reloadableDescriptor,
  RELOADABLE_ID,
  waitForBody,
  type BuildOptions,
  type BuildResult,
} from "./harness/index.ts";
import { useLocalWatchexec } from "./harness/hooks.ts";
import { fixturesDir } from "./harness/paths.ts";
import { rawTar, sha256, xz } from "../src/testing/archive.ts";

const served = useLocalWatchexec();
const pythonApp = join(fixturesDir, "apps", "python-web");
const ENABLED = { BP_LIVE_RELOAD_ENABLED: "true" };

// ---------------------------------------------------------------------------------------------
// What a failed build must leave: nothing outside the layers dir, nothing reusable inside it.

/** Every path under `root` with its type, mode and content digest (links: their target). */
async function snapshot(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const info = await lstat(path);
      const rel = relative(root, path);
      const mode = (info.mode & 0o7777).toString(8);
      if (info.isSymbolicLink()) out.push(`${rel} -> ${await readlink(path)}`);
      else if (info.isDirectory()) {
        out.push(`${rel}/ ${mode} ${info.uid}`);
        await walk(path);
      } else out.push(`${rel} ${mode} ${info.uid} ${createHash("sha256").update(await readFile(path)).digest("hex")}`);
    }
  };
  await walk(root);
  return out;
}

interface Outside {
  app: string[];
  platform: string[];
  home: string[];
  top: string[];
}

async function outsideLayers(build: CnbBuild): Promise<Outside> {
  return {
    app: await snapshot(build.appDir),
    platform: await snapshot(build.platformDir),
    home: await snapshot(build.homeDir),
    top: (await readdir(build.root)).sort(),
  };
}

function ourLayers(build: CnbBuild): string {
  return join(build.layersDir, escapeId(RELOADABLE_ID));
}

/**
 * Runs the build, expects it to fail in this buildpack's build with `message` (and `fix`, when
 * given) on stderr, with nothing written outside the layers dir and nothing left in its own.
 */
async function expectRefused(options: BuildOptions, message: string | RegExp, fix?: string, prepare?: (build: CnbBuild) => Promise<void>): Promise<BuildResult> {
  const build = await CnbBuild.create(options);
  try {
    await prepare?.(build);
    const before = await outsideLayers(build);
    const result = await build.build();
    expect(result.success, result.log).toBe(false);
    expect(result.detectCode, result.log).toBe(0);
    const error = /^ERROR: (.*)$/m.exec(result.log);
    expect(error, result.log).not.toBeNull();
    if (typeof message === "string") expect(error![1]).toBe(message);
    else expect(error![1]).toMatch(message);
    if (fix !== undefined) expect(result.log).toContain(`\n  ${fix}\n`);
    expect(result.log).not.toMatch(/unexpected failure|    at /);
    expect(await outsideLayers(build)).toEqual(before);
    const left = existsSync(ourLayers(build)) ? await readdir(ourLayers(build)) : [];
    expect(left, "this buildpack's layers dir after the failure").toEqual([]);
    return result;
  } finally {
    await build.cleanup();
  }
}

function pythonBuild(env: Record<string, string>, descriptor = served.descriptor, extra: Partial<BuildOptions> = {}): BuildOptions {
  return { app: pythonApp, env: { ...ENABLED, ...env }, order: [fixtureBuildpack("self-reloading-python"), reloadable({ descriptor })], ...extra };
}

// ---------------------------------------------------------------------------------------------

describe("every setting is checked at build, with the variable, the value and the fix", () => {
  it.each<{ name: string; env: Record<string, string>; message: string | RegExp; fix: string | undefined }>([
    {
      name: "a debounce watchexec cannot hold",
      env: { BP_LIVE_RELOAD_DEBOUNCE: "99999999999999999999999" },
      message: 'BP_LIVE_RELOAD_DEBOUNCE="99999999999999999999999" is out of range: a duration must be from 1ms to 10s',
      fix: "Set BP_LIVE_RELOAD_DEBOUNCE to a whole number with a unit: ms, s or m (e.g. 100ms, 5s) from 1ms to 10s; a bare number means ms.",
    },
    {
      name: "a poll interval of 0 (a core spent polling)",
      env: { BP_LIVE_RELOAD_POLL: "0" },
      message:
        'BP_LIVE_RELOAD_POLL="0" is out of range: it must be from 100ms to 1m (each poll stats every watched file: below 100ms that costs a core, above a minute nobody waits)',
      fix: "Set BP_LIVE_RELOAD_POLL to a duration from 100ms to 1m with a unit: ms, s or m (a bare number means ms), or unset it for the default.",
    },
    {
      name: "a stop timeout of a day",
      env: { BP_LIVE_RELOAD_STOP_TIMEOUT: "1440m" },
      message: 'BP_LIVE_RELOAD_STOP_TIMEOUT="1440m" is out of range: it must be from 0ms to 5m (0s kills at once; 5 minutes is past any graceful shutdown)',
      fix: "Set BP_LIVE_RELOAD_STOP_TIMEOUT to a duration from 0ms to 5m with a unit: ms, s or m (a bare number means s), or unset it for the default.",
    },
    {
      name: "a watch path that leaves the app dir",
      env: { BP_LIVE_RELOAD_WATCH: "../../etc" },
      message: /^BP_LIVE_RELOAD_WATCH="\.\.\/\.\.\/etc" names "\.\.\/\.\.\/etc", which leaves the app dir \(it is \/.*\/etc\)$/,
      fix: undefined,
    },
    {
      name: "a process list that names nothing",
      env: { BP_LIVE_RELOAD_PROCESSES: " , " },
      message: 'BP_LIVE_RELOAD_PROCESSES=" , " names no process type: it holds only commas and spaces',
      fix: "Set BP_LIVE_RELOAD_PROCESSES to a comma-separated list of process types (e.g. web,worker), * for all, or unset it for web and the default process.",
    },
    {
      name: "an ignore glob watchexec refuses at launch",
      env: { BP_LIVE_RELOAD_IGNORE: "*.tmp,dist/{a,b" },
      message: 'BP_LIVE_RELOAD_IGNORE="*.tmp,dist/{a,b" is not accepted by watchexec: "dist/{a,b" opens a "{" group that is never closed (write [{] for a literal {)',
      fix: 'Set BP_LIVE_RELOAD_IGNORE to comma-separated globs such as *.tmp,**/dist/** (a glob with a "/" is anchored at the app dir: start it with **/ to match at any depth), or unset it.',
    },
  ])("$name", async ({ env, message, fix }) => {
    await expectRefused(pythonBuild(env), message, fix);
  });

  it("a watch path that does not exist", async () => {
    const result = await expectRefused(pythonBuild({ BP_LIVE_RELOAD_WATCH: "src,does/not/exist" }), /^BP_LIVE_RELOAD_WATCH="src,does\/not\/exist" names \/.*\/workspace\/src, which does not exist in the app dir: watchexec would exit when the app starts$/);
    expect(result.log).toContain("Create it in the app (an empty dir with a .keep file, if a sync fills it later), or remove it from BP_LIVE_RELOAD_WATCH.");
  });

  it("the table printed before the error shows what the user set", async () => {
    const result = await expectRefused(pythonBuild({ BP_LIVE_RELOAD_POLL: "0" }), /^BP_LIVE_RELOAD_POLL="0" is out of range/);
    expect(result.log).toMatch(/BP_LIVE_RELOAD_POLL\s+0\s/);
  });
});

describe("a Procfile is parsed in linear time, with limits", () => {
  it("a 1 MB command line is an error naming the line and the limit, not a build that never ends", async () => {
    const app = { Procfile: `web: python3 -c ${"x".repeat(1_000_000)}\n`, "server.py": "print('never run')\n" };
    await expectRefused(
      { app, env: ENABLED, order: [reloadable({ descriptor: served.descriptor })] },
      /^Procfile line 1 is 1000016 characters long, over the limit of 65536: "web: python3 -c x+\.\.\."$/,
      "A command that long cannot run (the kernel limits one argument to 128 KiB): put it in a script in the app and run the script from Procfile.",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The artifact: verified before a byte is unpacked, extraction bounded, links judged on disk.

/** A tar whose first entry's header declares `size` bytes, with none of them: a bomb's header. */
function tarDeclaring(path: string, size: number): Buffer {
  const block = Buffer.alloc(512);
  new Header({ path, type: "File", size, mode: 0o755, uid: 0, gid: 0, mtime: new Date(0) }).encode(block, 0);
  return Buffer.concat([rawTar([{ path: "top/", type: "Directory" }]).subarray(0, 512), block, Buffer.alloc(512)]);
}

describe("the watchexec archive", () => {
  let bomb: Buffer;
  beforeAll(() => {
    // 64 MiB of zeros in one entry, as xz makes of them: 10 KB that would unpack to 64 MiB.
    bomb = execFileSync("sh", ["-c", "mkdir -p \"$0/top\" && truncate -s 64M \"$0/top/watchexec\" && tar -C \"$0\" -cf - top | xz -0 -T1 -c && rm -rf \"$0\"", `/tmp/reloadable-bomb-${process.pid}`], {
      maxBuffer: 64 * 1024 * 1024,
    });
  });

  it("a wrong digest fails before anything is unpacked: no staging dir ever appears, the next build installs cleanly", async () => {
    const uri = served.server.serve("bomb.tar.xz", bomb);
    const descriptor = reloadableDescriptor([{ version: "2.5.1", uri, sha256: served.watchexec.sha256 }]);
    const seen = new Set<string>();
    let watching = true;
    const build = await CnbBuild.create(pythonBuild({}, descriptor));
    try {
      const before = await outsideLayers(build);
      const poll = (async () => {
        while (watching) {
          for (const name of await readdir(ourLayers(build)).catch(() => [])) seen.add(name);
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      const result = await build.build();
      watching = false;
      await poll;
      expect(result.success).toBe(false);
      expect(result.log).toContain(`ERROR: SHA-256 mismatch for ${uri}: expected ${served.watchexec.sha256}, got ${sha256(bomb)}\n`);
      expect(result.log).toContain("nothing was installed");
      expect([...seen].filter((name) => name.startsWith("watchexec."))).not.toContain("watchexec.staging");
      expect(await readdir(ourLayers(build))).toEqual([]);
      expect(await outsideLayers(build)).toEqual(before);

      // A rebuild with the right artifact: nothing of the failed attempt is reused.
      await writeFile(join(build.buildpacksDir, escapeId(RELOADABLE_ID), "0.1.0", "buildpack.toml"), served.descriptor);
      const second = await build.rebuild();
      assertBuilt(second);
      expect(second.log).toContain("Installing: no cached layer");
    } finally {
      watching = false;
      await build.cleanup();
    }
  });

  it.each<{ name: string; archive: () => Buffer; message: (uri: string) => string }>([
    {
      name: "more entries than the limit",
      archive: () => xz(rawTar([{ path: "top/", type: "Directory" }, ...Array.from({ length: 1_001 }, (_, i) => ({ path: `top/f${i}`, body: "x" }))])),
      message: (uri) => `the archive holds more than 1000 entries (the limit) in ${uri}`,
    },
    {
      name: "an entry declaring 300 MiB (refused on its header, before a byte of it is written)",
      archive: () => xz(tarDeclaring("top/watchexec", 300 * 1024 * 1024)),
      message: (uri) => `entry "top/watchexec" (314572800 bytes) takes the archive past the limit of 256 MiB unpacked in ${uri}`,
    },
    {
      name: "chained relative links that resolve to /etc (each looks safe on its own)",
      archive: () =>
        xz(
          rawTar([
            { path: "top/", type: "Directory" },
            { path: "top/watchexec", body: "#!/bin/sh\n", mode: 0o755 },
            { path: "top/a0/a1/a2/a3/a4/a5/a6/a7/a8/a9/", type: "Directory" },
            { path: "top/a0/a1/a2/a3/a4/a5/a6/a7/a8/a9/l1", type: "SymbolicLink", linkpath: "../../../../../../../../../.." },
            { path: "top/esc", type: "SymbolicLink", linkpath: "a0/a1/a2/a3/a4/a5/a6/a7/a8/a9/l1/../../../../../../../../../../../etc" },
          ]),
        ),
      message: (uri) =>
        `refused link "top/esc" -> "a0/a1/a2/a3/a4/a5/a6/a7/a8/a9/l1/../../../../../../../../../../../etc" resolves outside the layer: ".." climbs above the top after the link "a0/a1/a2/a3/a4/a5/a6/a7/a8/a9/l1" -> "../../../../../../../../../.." in ${uri}`,
    },
    {
      name: "a whole xz stream of a tar cut after its last entry",
      archive: () => {
        const tar = rawTar([{ path: "top/", type: "Directory" }, { path: "top/watchexec", body: "#!/bin/sh\n", mode: 0o755 }]);
        return xz(tar.subarray(0, tar.length - 1024));
      },
      message: (uri) => `the tar stream ends without its end-of-archive blocks: the archive was cut short in ${uri}`,
    },
  ])("$name", async ({ name, archive, message }) => {
    const bytes = archive();
    const file = `${name.replace(/\W+/g, "-")}.tar.xz`;
    const uri = served.server.serve(file, bytes);
    const descriptor = reloadableDescriptor([{ version: "2.5.1", uri, sha256: sha256(bytes) }]);
    await expectRefused(pythonBuild({}, descriptor), message(uri), "Use the official watchexec release archive; nothing was installed.");
  });
});

describe("the download", () => {
  let slow: Server;
  let slowUrl: string;
  beforeAll(async () => {
    // Sends the real archive at 1 byte a second: never silent, so no read timeout fires.
    slow = createServer((_req, res) => {
      res.writeHead(200, { "Content-Length": served.watchexec.bytes.length });
      let sent = 0;
      const timer = setInterval(() => res.write(served.watchexec.bytes.subarray(sent, ++sent)), 1_000);
      res.on("close", () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/${served.watchexec.name}`;
  });
  afterAll(async () => {
    slow.closeAllConnections();
    await new Promise<void>((resolve) => slow.close(() => resolve()));
  });

  it("a server sending 1 byte a second fails within one rate window (15 s), naming the rate", async () => {
    const descriptor = reloadableDescriptor([{ version: "2.5.1", uri: slowUrl, sha256: served.watchexec.sha256 }]);
    const started = performance.now();
    await expectRefused(
      pythonBuild({}, descriptor),
      new RegExp(`^the transfer is slower than the minimum of 8\\.0 KiB/s: \\d+ B in the last 15\\.0s \\(\\d+ B in all\\) \\(${slowUrl.replace(/[./]/g, "\\$&")}\\)$`),
    );
    console.log(`1 byte/s server: build failed after ${((performance.now() - started) / 1000).toFixed(1)} s`);
  });

  it("a dependency-mapping binding whose URI is a directory names the binding and its entry", async () => {
    const dir = "/usr/share"; // a directory the build user can read
    await expectRefused(
      pythonBuild({}, served.descriptor, {
        bindings: { mirror: { type: "dependency-mapping", entries: { [served.watchexec.sha256]: dir } } },
      }),
      `the artifact is a directory, not a file (${dir})`,
      `Point the dependency-mapping binding "mirror" (its entry ${served.watchexec.sha256}) at the watchexec release .tar.xz file; nothing was installed.`,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The app dir's permissions

describe("the app dir's permissions", () => {
  it.runIf(process.getuid?.() === 0)("a root-owned file the build user cannot chmod fails the build before launch.toml is written", async () => {
    await expectRefused(
      pythonBuild({}),
      /^cannot make the app dir group-writable for sync tools: the build user \(uid 1000\) may not change 1 entry of .*\/workspace: root-owned\.txt \(owner uid 0, mode 0644\)$/,
      "chown them to the build user, or make them group-writable (chmod g+rw, g+rwx for dirs) before the build, or remove them from the app; nothing was written.",
      async (build) => {
        await writeFile(join(build.appDir, "root-owned.txt"), "written by root\n");
        await chmod(join(build.appDir, "root-owned.txt"), 0o644);
        await chown(join(build.appDir, "root-owned.txt"), 0, 0);
      },
    );
  });

  it("a setuid program in the app stays -rwsr-xr-x while the rest becomes group-writable", async () => {
    const build = await CnbBuild.create(pythonBuild({}));
    try {
      await mkdir(join(build.appDir, "bin"), { recursive: true });
      await writeFile(join(build.appDir, "bin", "tool"), "#!/bin/sh\n");
      await chownTree(join(build.appDir, "bin"), build.user);
      await chmod(join(build.appDir, "bin", "tool"), 0o4755); // after chown, which clears setuid
      assertBuilt(await build.build());
      expect((await lstat(join(build.appDir, "bin", "tool"))).mode & 0o7777).toBe(0o4755);
      expect((await lstat(join(build.appDir, "server.py"))).mode & 0o060).toBe(0o060);
    } finally {
      await build.cleanup();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The cache across builds

describe("the cached layer", () => {
  it("a corrupted cached binary is replaced, not reused: \"Installing: cached binary changed\", and the app then starts", async () => {
    const build = await CnbBuild.create(pythonBuild({}));
    try {
      assertBuilt(await build.build());
      const binary = join(ourLayers(build), "watchexec", "bin", "watchexec");
      const original = await readFile(binary);
      await writeFile(binary, Buffer.alloc(original.length, 0)); // same size, other bytes
      const requests = served.server.count(served.watchexec.name);

      const second = await build.rebuild();
      assertBuilt(second);
      expect(second.log).toContain("Installing: cached binary changed");
      expect(served.server.count(served.watchexec.name)).toBe(requests + 1);
      // Buffer.equals: toEqual walks 11 MB element by element (50 s).
      expect((await readFile(binary)).equals(original)).toBe(true);
      const layer = await build.layerToml(RELOADABLE_ID, "watchexec.toml");
      expect((layer?.metadata as Record<string, unknown>)["binary-sha256"]).toBe(createHash("sha256").update(original).digest("hex"));

      const port = await freePort();
      const app = await build.launch("web", { PORT: String(port) });
      expect((await waitForBody(`http://127.0.0.1:${port}/`)).body).toBe("hello v1");
      await app.stop();

      const third = await build.rebuild();
      assertBuilt(third);
      expect(third.log).toContain("Reusing cached layer");
    } finally {
      await build.cleanup();
    }
  });

  it("temp files of atomic writes a killed build left are removed by the next build", async () => {
    const build = await CnbBuild.create(pythonBuild({}));
    try {
      assertBuilt(await build.build());
      const stale = ["launch.toml.0a1b2c3d.tmp", "watchexec.toml.deadbeef.tmp", "watchexec.sbom.cdx.json.12345678.tmp"];
      for (const name of stale) await writeFile(join(ourLayers(build), name), "half a file");
      await mkdir(join(ourLayers(build), "watchexec.staging", "bin"), { recursive: true });
      await writeFile(join(ourLayers(build), "watchexec.download"), "half an archive");
      await chownTree(ourLayers(build), build.user); // as the killed build (the build user) left them
      assertBuilt(await build.rebuild());
      const left = await readdir(ourLayers(build));
      for (const name of [...stale, "watchexec.staging", "watchexec.download"]) expect(left).not.toContain(name);
      expect(left).toContain("launch.toml");
    } finally {
      await build.cleanup();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe("the configuration table shows the values in effect", () => {
  it("trigger mode: no quiet period, not the declared 60ms", async () => {
    const build = await CnbBuild.create(pythonBuild({ BP_LIVE_RELOAD_TRIGGER: "true" }));
    try {
      const result = await build.build();
      assertBuilt(result);
      expect(result.log).toMatch(/BP_LIVE_RELOAD_QUIET_PERIOD\s+0ms\s+60ms\s/);
      expect(result.log).toMatch(/BP_LIVE_RELOAD_TRIGGER\s+true\s+false\s/);
      expect(result.log).toMatch(/BP_WATCHEXEC_VERSION\s+2\.5\.1\s+\*\s/);
    } finally {
      await build.cleanup();
    }
  });

  it("a JVM app: the 20s stop timeout, not the declared 5s", async () => {
    const app = { "META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\nMain-Class: app.Main\r\n\r\n", "app/Main.class": "not really a class" };
    const build = await CnbBuild.create({ app, env: ENABLED, order: [reloadable({ descriptor: served.descriptor })] });
    try {
      const result = await build.build();
      assertBuilt(result);
      expect(result.log).toMatch(/BP_LIVE_RELOAD_STOP_TIMEOUT\s+20s\s+5s\s/);
      expect(result.log).toMatch(/BP_LIVE_RELOAD_WATCH\s+\.\s/);
    } finally {
      await build.cleanup();
    }
  });
});
