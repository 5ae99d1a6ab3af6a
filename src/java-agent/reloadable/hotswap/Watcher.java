package reloadable.hotswap;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Finds the end of each sync and hands what it changed to the Reloader, on a daemon thread.
 *
 *   - trigger mode: the sync tool writes a file in the trigger dir when the sync has ended;
 *   - app-dir mode: the watch paths have had no change for the quiet period (inotify, through
 *     the JDK's WatchService; every dir is watched, new ones as they appear);
 *   - with a poll interval (mounts that deliver no events): a scan at each interval.
 *
 * Events only wake it up: what changed is always found by comparing a scan of the watch paths
 * with the one after the last sync, so an event missed in a dir made during the sync loses
 * nothing.
 */
final class Watcher implements Runnable {
  /**
   * Trigger mode: the events of one trigger write (a create and a write, or a temp file and a
   * rename) come microseconds apart, nearly always in one batch; this catches a split one.
   */
  private static final long TRIGGER_WINDOW_MS = 2;

  private final Config config;
  private final Reloader reloader;
  private final Tree.Ignores ignores;
  /**
   * A sync that only removed loaded classes frameworks found at startup (their removal restarts
   * the app) waits this long for them to come back before the app restarts: a compiler (maven-compiler-plugin) deletes the classes it rebuilds first, and a sync
   * tool (Compose Watch, Tilt) may send the deletions on their own.
   */
  static final long REMOVAL_GRACE_MS = 3_000;

  private final Map<WatchKey, Path> dirs = new HashMap<>();
  private Tree last;
  /** System.nanoTime() when removed classes stop waiting, or 0. */
  private long removalDeadline;
  /** System.nanoTime() when the last sync was done with. */
  private long lastDone;
  /**
   * Trigger mode: a trigger event this soon after the last sync was done with, for a sync that
   * changed nothing, is the rest of that trigger write (`date > trigger/sync` truncates, then
   * writes, a few ms apart): it gets no line of its own.
   */
  private static final long ECHO_MS = 250;
  /** When inotify cannot watch the class dirs. */
  private static final long FALLBACK_POLL_MS = 500;

  Watcher(Config config, Reloader reloader) {
    this.config = config;
    this.reloader = reloader;
    this.ignores = new Tree.Ignores(config.origin, config.ignore);
  }

  @Override
  public void run() {
    try {
      last = Tree.scan(config.watch, ignores);
      lastDone = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(ECHO_MS) - 1;
      warmUp();
      if (config.triggerDir != null) watchTrigger();
      else if (config.pollMs > 0) poll(config.pollMs);
      else {
        try {
          watchTree();
        } catch (IOException e) {
          // inotify refused (its watch limit, a mount that gives no events): poll instead.
          System.err.println(Reloader.PREFIX + "hot swap: cannot watch the class dirs (" + e.getMessage() + "): polling them every " + FALLBACK_POLL_MS + " ms instead");
          poll(FALLBACK_POLL_MS);
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // the JVM is stopping
    } catch (Throwable error) {
      System.err.println(Reloader.PREFIX + "hot swap stopped: " + error + ": syncs no longer reach this JVM until it restarts");
    }
  }

  /**
   * Runs the code of a sync once before the first sync, on the agent's own class file, so that
   * the first sync does not wait for the JVM to load and link it.
   */
  private static void warmUp() {
    try (java.io.InputStream in = Watcher.class.getResourceAsStream("Compatibility.class")) {
      if (in == null) return;
      java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      for (int n; (n = in.read(chunk)) > 0; ) buffer.write(chunk, 0, n);
      byte[] bytes = buffer.toByteArray();
      ClassFile file = ClassFile.parse(bytes);
      Compatibility.reasons(file, ClassFile.parse(bytes));
      Compatibility.discoveredAnnotation(file);
      for (ClassFile.Member method : file.methods) method.canonicalCode();
    } catch (Exception | LinkageError e) {
      // only slower
    }
  }

  /** Compares the watch paths with the last sync's scan and applies the difference. */
  private void syncEnded(long endedNanos) {
    Tree next = Tree.scan(config.watch, ignores, last);
    List<Tree.Change> changes = last.changesTo(next);
    boolean waited = removalDeadline != 0 && System.nanoTime() - removalDeadline >= 0;
    List<Tree.Change> waiting = waited ? java.util.Collections.<Tree.Change>emptyList() : reloader.removalsThatRestart(changes);
    if (!waiting.isEmpty()) {
      // Kept as they were: if the classes come back, the next sync sees them changed.
      next = next.keeping(last, waiting);
      changes.removeAll(waiting);
      if (removalDeadline == 0) {
        removalDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REMOVAL_GRACE_MS);
        boolean one = waiting.size() == 1;
        System.err.println(Reloader.PREFIX + "hot swap: " + waiting.size() + (one ? " class file was" : " class files were") + " removed; the app restarts in "
            + REMOVAL_GRACE_MS / 1000 + " s unless " + (one ? "it comes" : "they come") + " back (a compiler rewriting " + (one ? "it" : "them") + ")");
      }
    } else {
      removalDeadline = 0;
    }
    last = next;
    boolean echo = System.nanoTime() - lastDone < TimeUnit.MILLISECONDS.toNanos(ECHO_MS);
    if (changes.isEmpty()) {
      if (config.triggerDir != null && waiting.isEmpty() && !echo) System.err.println(Reloader.PREFIX + "hot swap: the sync changed nothing in " + watchText());
    } else {
      try {
        reloader.apply(changes, endedNanos);
      } catch (RuntimeException | LinkageError error) {
        // A fault of the agent's own: a new JVM loads every class as it now is.
        reloader.restartJvm("the hot swap agent failed on this sync (" + error + ")");
      }
    }
    lastDone = System.nanoTime();
  }

  /** How long to wait for the next event: until removed classes stop waiting, else for ever. */
  private long waitNanos() {
    return removalDeadline == 0 ? Long.MAX_VALUE : Math.max(0, removalDeadline - System.nanoTime());
  }

  /** The next key, or null when removed classes stopped waiting (then their sync is applied). */
  private WatchKey next(WatchService service) throws InterruptedException {
    long wait = waitNanos();
    WatchKey key = wait == Long.MAX_VALUE ? service.take() : service.poll(wait, TimeUnit.NANOSECONDS);
    if (key == null) syncEnded(System.nanoTime());
    return key;
  }

  private String watchText() {
    StringBuilder text = new StringBuilder();
    for (Path path : config.watch) {
      if (text.length() > 0) text.append(", ");
      text.append(path.startsWith(config.origin) && !path.equals(config.origin) ? config.origin.relativize(path) : path);
    }
    return text.toString();
  }

  private void watchTrigger() throws IOException, InterruptedException {
    try (WatchService service = FileSystems.getDefault().newWatchService()) {
      config.triggerDir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
      for (;;) {
        WatchKey key = next(service);
        if (key == null) continue;
        boolean triggered = written(key);
        // The rest of this trigger write (and of one racing it) comes within the window.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TRIGGER_WINDOW_MS);
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
          WatchKey more = service.poll(left, TimeUnit.NANOSECONDS);
          if (more == null) break;
          triggered |= written(more);
        }
        if (triggered) syncEnded(System.nanoTime());
      }
    }
  }

  /** Whether a key's events include a file written in the trigger dir (not a temp file). */
  private static boolean written(WatchKey key) {
    boolean any = false;
    for (WatchEvent<?> event : key.pollEvents()) {
      Object context = event.context();
      if (event.kind() == StandardWatchEventKinds.OVERFLOW || (context instanceof Path && !context.toString().startsWith("."))) any = true;
    }
    key.reset();
    return any;
  }

  private void poll(long intervalMs) throws InterruptedException {
    long step = Math.max(1, Math.min(intervalMs, Math.max(config.quietMs, 1)));
    for (;;) {
      Thread.sleep(intervalMs);
      if (removalDeadline != 0 && System.nanoTime() - removalDeadline >= 0) {
        syncEnded(System.nanoTime());
        continue;
      }
      Tree seen = Tree.scan(config.watch, ignores, last);
      if (last.changesTo(seen).isEmpty()) continue;
      // Changing: scan until the quiet period passes without a difference.
      long quietSince = System.nanoTime();
      while (System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(config.quietMs)) {
        Thread.sleep(step);
        Tree again = Tree.scan(config.watch, ignores, seen);
        if (!seen.changesTo(again).isEmpty()) {
          seen = again;
          quietSince = System.nanoTime();
        }
      }
      syncEnded(System.nanoTime());
    }
  }

  private void watchTree() throws IOException, InterruptedException {
    try (WatchService service = FileSystems.getDefault().newWatchService()) {
      for (Path path : config.watch) {
        if (Files.isDirectory(path)) registerAll(service, path);
        else if (path.getParent() != null && Files.isDirectory(path.getParent())) register(service, path.getParent());
      }
      for (;;) {
        WatchKey key = next(service);
        if (key == null || !relevant(service, key)) continue;
        // A sync has started: it has ended once the quiet period passes with no relevant change
        // (an ignored file the app writes meanwhile does not make it longer).
        long quiet = TimeUnit.MILLISECONDS.toNanos(config.quietMs);
        long deadline = System.nanoTime() + quiet;
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
          WatchKey more = service.poll(left, TimeUnit.NANOSECONDS);
          if (more == null) break;
          if (relevant(service, more)) deadline = System.nanoTime() + quiet;
        }
        syncEnded(System.nanoTime());
      }
    }
  }

  /** Whether a key's events touch a watched, not ignored path; new dirs get watched too. */
  private boolean relevant(WatchService service, WatchKey key) {
    Path dir = dirs.get(key);
    boolean relevant = false;
    for (WatchEvent<?> event : key.pollEvents()) {
      if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
        relevant = true;
        continue;
      }
      if (dir == null || !(event.context() instanceof Path)) continue;
      Path path = dir.resolve((Path) event.context());
      if (ignores.matches(path) || !isWatched(path)) continue;
      relevant = true;
      if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE && Files.isDirectory(path)) {
        try {
          registerAll(service, path);
        } catch (IOException e) {
          // gone again, or unreadable: the scan at the end of the sync sees what is there
        }
      }
    }
    if (!key.reset()) dirs.remove(key);
    return relevant;
  }

  private boolean isWatched(Path path) {
    for (Path watched : config.watch) if (path.startsWith(watched)) return true;
    return false;
  }

  private void registerAll(WatchService service, Path root) throws IOException {
    Files.walkFileTree(root, new SimpleFileVisitor<Path>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
        if (!dir.equals(root) && ignores.hidesContentsOf(dir)) return FileVisitResult.SKIP_SUBTREE;
        register(service, dir);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException error) {
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private void register(WatchService service, Path dir) throws IOException {
    WatchKey key = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
    dirs.put(key, dir);
  }
}
