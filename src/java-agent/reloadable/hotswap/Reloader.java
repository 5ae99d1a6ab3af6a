package reloadable.hotswap;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.ref.WeakReference;
import java.lang.instrument.ClassDefinition;
import java.lang.instrument.Instrumentation;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What one sync does to the running app, and the one line that says so:
 *
 *   - class files of loaded classes that changed only in ways the JVM can redefine and that show
 *     correctly: all of them redefined in ONE Instrumentation.redefineClasses call, which applies
 *     all or nothing, so the app never runs half of a sync. New classes load on first use;
 *   - anything else in the class dirs (a new field or method, an annotation, a resource): a
 *     restart of the app, by Spring Boot DevTools when it runs, else of the JVM;
 *   - a change outside the class dirs (BOOT-INF/lib, a JAR, the manifest): a new JVM.
 *
 * A JVM restart writes the restart request that watchexec watches, then exits the JVM: watchexec
 * (which, with hot swap, does not restart a running JVM itself) starts it again at once.
 */
final class Reloader {
  static final String PREFIX = "[reloadable] ";
  /** What Spring Boot DevTools serves as it is, without a restart (its default exclude patterns). */
  private static final String[] DEVTOOLS_STATIC = {
    "META-INF/maven/**", "META-INF/resources/**", "resources/**", "static/**", "public/**", "templates/**", "git.properties", "META-INF/build-info.properties",
  };

  private final Config config;
  private final Instrumentation instrumentation;
  private final LoadedClasses loaded;
  private final PrintStream out;
  private final List<PathMatcher> devtoolsStatic = new ArrayList<>();

  Reloader(Config config, Instrumentation instrumentation, LoadedClasses loaded, PrintStream out) {
    this.config = config;
    this.instrumentation = instrumentation;
    this.loaded = loaded;
    this.out = out;
    for (String glob : DEVTOOLS_STATIC) devtoolsStatic.add(FileSystems.getDefault().getPathMatcher("glob:" + glob));
  }

  /** The removed class files of a sync whose classes frameworks found (their removal restarts the app). */
  List<Tree.Change> removalsThatRestart(List<Tree.Change> changes) {
    List<Tree.Change> removals = new ArrayList<>();
    for (Tree.Change change : changes) {
      if (change.kind != Tree.Kind.REMOVED) continue;
      Path classDir = classDirOf(change.path);
      String file = classDir == null ? "" : classDir.relativize(change.path).toString();
      if (file.endsWith(".class") && foundAnnotation(file.substring(0, file.length() - ".class".length())) != null) removals.add(change);
    }
    return removals;
  }

  /** The annotation by which frameworks found a live class (@RestController...), or null. */
  private String foundAnnotation(String name) {
    for (LoadedClasses.Definition definition : loaded.live(name)) {
      try {
        String annotation = Compatibility.discoveredAnnotation(ClassFile.parse(definition.bytes));
        if (annotation != null) return annotation;
      } catch (ClassFile.FormatException e) {
        return "unreadable";
      }
    }
    return null;
  }

  /** RELOADABLE_HOTSWAP_TIMING=1: each hot swap line also says where the time went. */
  private static final boolean TIMING = "1".equals(System.getenv("RELOADABLE_HOTSWAP_TIMING"));

  /** What a sync needs, change by change. */
  private static final class Verdict {
    /** Why a new JVM is needed (a JAR, a file outside the class dirs). */
    final List<String> needJvm = new ArrayList<>();
    /** Why the app must restart (DevTools or JVM). */
    final List<String> needRestart = new ArrayList<>();
    /** Loaded classes to redefine, and their new bytes. */
    final List<LoadedClasses.Definition> redefine = new ArrayList<>();
    final List<byte[]> bytes = new ArrayList<>();
    final List<String> newClasses = new ArrayList<>();
    int staticResources;
    int removedUnused;

    String extras() {
      List<String> parts = new ArrayList<>();
      if (!newClasses.isEmpty()) parts.add(newClasses.size() + (newClasses.size() == 1 ? " new class loads" : " new classes load") + " on first use: " + String.join(", ", newClasses));
      if (staticResources > 0) parts.add(staticResources + (staticResources == 1 ? " resource served as it is" : " resources served as they are"));
      if (removedUnused > 0) parts.add(removedUnused + (removedUnused == 1 ? " class file" : " class files") + " removed");
      return String.join("; ", parts);
    }
  }

  private Verdict judge(List<Tree.Change> changes) {
    Verdict verdict = new Verdict();
    for (Tree.Change change : changes) {
      Path classDir = classDirOf(change.path);
      String shown = shown(change.path);
      String what = change.kind == Tree.Kind.REMOVED ? " was removed" : " changed";
      if (classDir == null || shown.endsWith(".jar")) {
        verdict.needJvm.add(shown + what + (shown.endsWith(".jar") ? " (a JAR needs a new JVM)" : " (outside the class dirs)"));
        continue;
      }
      Path relative = classDir.relativize(change.path);
      String file = relative.toString();
      if (!file.endsWith(".class")) {
        if (config.devtoolsTrigger != null && isDevtoolsStatic(relative)) verdict.staticResources++;
        else verdict.needRestart.add(shown + what + " (not a class: the app reads it at startup)");
        continue;
      }
      String name = file.substring(0, file.length() - ".class".length());
      String javaName = name.replace('/', '.');
      if (change.kind == Tree.Kind.REMOVED) {
        String annotation = foundAnnotation(name);
        if (annotation != null) verdict.needRestart.add(javaName + " was removed, and frameworks keep the " + annotation + " class they found at startup");
        else verdict.removedUnused++;
        continue;
      }
      judgeClass(verdict, change.path, shown, name, javaName);
    }
    return verdict;
  }

  /** A class file added or changed: nothing, a new class, classes to redefine, or a restart. */
  private void judgeClass(Verdict verdict, Path path, String shown, String name, String javaName) {
    byte[] bytes;
    ClassFile after;
    try {
      bytes = Files.readAllBytes(path);
      after = ClassFile.parse(bytes);
    } catch (IOException e) {
      verdict.needRestart.add(shown + " could not be read (" + e.getMessage() + ")");
      return;
    } catch (ClassFile.FormatException e) {
      verdict.needRestart.add(shown + " is " + e.getMessage());
      return;
    }
    List<LoadedClasses.Definition> live = loaded.live(name);
    if (live.isEmpty()) {
      String annotation = Compatibility.discoveredAnnotation(after);
      if (annotation != null) verdict.needRestart.add(javaName + " is new and " + annotation + " (frameworks find such classes at startup)");
      else verdict.newClasses.add(javaName);
      return;
    }
    for (LoadedClasses.Definition definition : live) {
      if (Arrays.equals(definition.bytes, bytes)) continue;
      List<String> reasons;
      try {
        reasons = Compatibility.reasons(ClassFile.parse(definition.bytes), after);
      } catch (ClassFile.FormatException e) {
        reasons = java.util.Collections.singletonList("was loaded from bytes this agent cannot read (" + e.getMessage() + ")");
      }
      if (!reasons.isEmpty()) {
        for (String reason : reasons) verdict.needRestart.add(javaName + " " + reason);
        return;
      }
      verdict.redefine.add(definition);
      verdict.bytes.add(bytes);
    }
  }

  /** Applies the changes of one sync; `startedNanos` is when the sync was seen to end. */
  void apply(List<Tree.Change> changes, long startedNanos) {
    long judging = System.nanoTime();
    Verdict verdict = judge(changes);
    loaded.prune();
    if (!verdict.needJvm.isEmpty()) {
      restartJvm(summary(verdict.needJvm));
      return;
    }
    if (!verdict.needRestart.isEmpty()) {
      restart(summary(verdict.needRestart));
      return;
    }
    long finding = System.nanoTime();
    List<ClassDefinition> definitions = new ArrayList<>();
    List<LoadedClasses.Definition> redefined = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < verdict.redefine.size(); i++) {
      LoadedClasses.Definition definition = verdict.redefine.get(i);
      Class<?> target = classOf(definition);
      if (target == null) continue; // defined but never linked: it will be defined anew
      definitions.add(new ClassDefinition(target, verdict.bytes.get(i)));
      redefined.add(definition);
      names.add(definition.name.replace('/', '.'));
    }
    String extras = verdict.extras();
    if (definitions.isEmpty()) {
      out.println(PREFIX + "hot swap: no loaded class changed" + (extras.isEmpty() ? "" : " (" + extras + ")"));
      return;
    }
    long redefining = System.nanoTime();
    try {
      instrumentation.redefineClasses(definitions.toArray(new ClassDefinition[0]));
    } catch (Throwable refused) {
      // UnsupportedOperationException, ClassFormatError, VerifyError, LinkageError...: the JVM
      // redefined nothing (the call is all or nothing).
      restart("the JVM refused to redefine " + String.join(", ", names) + ": " + refused);
      return;
    }
    for (int i = 0; i < redefined.size(); i++) redefined.get(i).bytes = definitions.get(i).getDefinitionClassFile();
    long done = System.nanoTime();
    int count = definitions.size();
    String timing = TIMING
        ? String.format(" [scan %.1f, judge %.1f, find %.1f, redefine %.1f ms]", (judging - startedNanos) / 1e6, (finding - judging) / 1e6, (redefining - finding) / 1e6, (done - redefining) / 1e6)
        : "";
    out.println(PREFIX + "hot swap: " + count + (count == 1 ? " class" : " classes") + " redefined in " + (done - startedNanos) / 1_000_000 + " ms (" + String.join(", ", names) + ")"
        + (extras.isEmpty() ? "" : "; " + extras) + timing);
  }

  private static String summary(List<String> reasons) {
    return reasons.get(0) + (reasons.size() > 1 ? " (and " + (reasons.size() - 1) + " more)" : "");
  }

  /** A restart of the app: by DevTools when it runs the app (same JVM), else a new JVM. */
  private void restart(String reason) {
    if (config.devtoolsTrigger != null && loaded.devtoolsLive()) {
      out.println(PREFIX + "restart (DevTools): " + reason);
      out.flush();
      loaded.supersedeAll();
      if (restartDevtoolsNow()) return;
      try {
        writeAtomically(config.devtoolsTrigger, "restart " + System.currentTimeMillis() + "\n");
        return;
      } catch (IOException e) {
        out.println(PREFIX + "cannot write the DevTools trigger " + config.devtoolsTrigger + " (" + e.getMessage() + "): restarting the JVM");
      }
    }
    restartJvm(reason);
  }

  /**
   * DevTools' own public way to restart the app, Restarter.getInstance().restart(), called at
   * once: its trigger file works too, but DevTools notices it only at its next poll and after its
   * quiet period (300 ms more). False when DevTools' Restarter is not there to call.
   */
  private boolean restartDevtoolsNow() {
    try {
      for (Class<?> type : instrumentation.getAllLoadedClasses()) {
        if (!type.getName().equals("org.springframework.boot.devtools.restart.Restarter")) continue;
        Object restarter = type.getMethod("getInstance").invoke(null);
        if (restarter == null) continue;
        type.getMethod("restart").invoke(restarter);
        return true;
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      out.println(PREFIX + "DevTools' Restarter could not be called (" + e + "): writing its trigger file instead");
    }
    return false;
  }

  void restartJvm(String reason) {
    out.println(PREFIX + "restart (JVM): " + reason);
    out.flush();
    try {
      // The marker first: the request makes watchexec start the JVM again once it has exited.
      if (config.restartMarker != null) writeAtomically(config.restartMarker, Agent.pid() + " " + reason + "\n");
      writeAtomically(config.restartRequest, Agent.pid() + " " + reason + "\n");
    } catch (IOException e) {
      // watchexec also queued the sync's own changes: the JVM still starts again
      out.println(PREFIX + "cannot write the restart request " + config.restartRequest + " (" + e.getMessage() + ")");
    }
    Thread halt = new Thread(() -> {
      try {
        Thread.sleep(config.stopTimeoutMs);
      } catch (InterruptedException e) {
        return;
      }
      Runtime.getRuntime().halt(1);
    }, "reloadable-hotswap-halt");
    halt.setDaemon(true);
    halt.start();
    System.exit(0);
  }

  /** A temp file renamed over the target: pollers (DevTools) and watchers see one change. */
  static void writeAtomically(Path target, String content) throws IOException {
    Path temp = target.resolveSibling("." + target.getFileName() + "-" + Agent.pid());
    Files.write(temp, content.getBytes(StandardCharsets.UTF_8));
    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private Path classDirOf(Path path) {
    Path best = null;
    for (Path dir : config.classDirs) if (path.startsWith(dir) && (best == null || dir.getNameCount() > best.getNameCount())) best = dir;
    return best;
  }

  private boolean isDevtoolsStatic(Path relative) {
    for (PathMatcher matcher : devtoolsStatic) if (matcher.matches(relative)) return true;
    return false;
  }

  private String shown(Path path) {
    return path.startsWith(config.origin) && !path.equals(config.origin) ? config.origin.relativize(path).toString() : path.toString();
  }

  /**
   * The Class a definition made: looked up once among the classes its loader initiated (fewer
   * than all loaded classes), then kept.
   */
  private Class<?> classOf(LoadedClasses.Definition definition) {
    WeakReference<Class<?>> known = definition.type;
    Class<?> type = known == null ? null : known.get();
    if (type != null) return type;
    ClassLoader loader = definition.loader.get();
    if (loader == null) return null;
    String name = definition.name.replace('/', '.');
    type = find(instrumentation.getInitiatedClasses(loader), name, loader);
    if (type == null) type = find(instrumentation.getAllLoadedClasses(), name, loader);
    if (type != null) definition.type = new WeakReference<>(type);
    return type;
  }

  private static Class<?> find(Class<?>[] candidates, String name, ClassLoader loader) {
    for (Class<?> candidate : candidates) if (candidate.getClassLoader() == loader && candidate.getName().equals(name)) return candidate;
    return null;
  }
}
