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
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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

  /** Applies the changes of one sync; `startedNanos` is when the sync was seen to end. */
  /** RELOADABLE_HOTSWAP_TIMING=1: each hot swap line also says where the time went. */
  private static final boolean TIMING = "1".equals(System.getenv("RELOADABLE_HOTSWAP_TIMING"));
  private long checkedNanos;
  private long foundNanos;

  void apply(List<Tree.Change> changes, long startedNanos) {
    long applyNanos = System.nanoTime();
    List<String> needJvm = new ArrayList<>();
    List<String> needRestart = new ArrayList<>();
    List<LoadedClasses.Definition> toRedefine = new ArrayList<>();
    List<byte[]> newBytes = new ArrayList<>();
    List<String> newClasses = new ArrayList<>();
    int staticResources = 0;
    int removedUnused = 0;

    for (Tree.Change change : changes) {
      Path classDir = classDirOf(change.path);
      String shown = shown(change.path);
      if (classDir == null || shown.endsWith(".jar")) {
        needJvm.add(shown + (change.kind == Tree.Kind.REMOVED ? " was removed" : " changed") + (shown.endsWith(".jar") ? " (a JAR needs a new JVM)" : " (outside the class dirs)"));
        continue;
      }
      Path relative = classDir.relativize(change.path);
      String file = relative.toString();
      if (!file.endsWith(".class")) {
        if (config.devtoolsTrigger != null && isDevtoolsStatic(relative)) {
          staticResources++;
        } else {
          needRestart.add(shown + (change.kind == Tree.Kind.REMOVED ? " was removed" : " changed") + " (not a class: the app reads it at startup)");
        }
        continue;
      }
      String name = file.substring(0, file.length() - ".class".length()).replace('\\', '/');
      List<LoadedClasses.Definition> live = loaded.live(name);
      String javaName = name.replace('/', '.');
      if (change.kind == Tree.Kind.REMOVED) {
        String annotation = foundAnnotation(name);
        if (annotation != null) needRestart.add(javaName + " was removed, and frameworks keep the " + annotation + " class they found at startup");
        else removedUnused++;
        continue;
      }
      byte[] bytes;
      ClassFile after;
      try {
        bytes = Files.readAllBytes(change.path);
        after = ClassFile.parse(bytes);
      } catch (IOException e) {
        needRestart.add(shown + " could not be read (" + e.getMessage() + ")");
        continue;
      } catch (ClassFile.FormatException e) {
        needRestart.add(shown + " is " + e.getMessage());
        continue;
      }
      if (live.isEmpty()) {
        String annotation = Compatibility.discoveredAnnotation(after);
        if (annotation != null) needRestart.add(javaName + " is new and " + annotation + " (frameworks find such classes at startup)");
        else newClasses.add(javaName);
        continue;
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
          for (String reason : reasons) needRestart.add(javaName + " " + reason);
          break;
        }
        toRedefine.add(definition);
        newBytes.add(bytes);
      }
    }

    if (!needJvm.isEmpty()) {
      restartJvm(summary(needJvm));
      return;
    }
    if (!needRestart.isEmpty()) {
      restart(summary(needRestart));
      return;
    }
    String extras = extras(newClasses, staticResources, removedUnused);
    checkedNanos = System.nanoTime();
    List<ClassDefinition> definitions = new ArrayList<>();
    List<LoadedClasses.Definition> redefined = new ArrayList<>();
    Set<String> redefinedNames = new LinkedHashSet<>();
    for (int i = 0; i < toRedefine.size(); i++) {
      LoadedClasses.Definition definition = toRedefine.get(i);
      Class<?> target = classOf(definition);
      if (target == null) continue; // defined but never linked: it will be defined anew
      definitions.add(new ClassDefinition(target, newBytes.get(i)));
      redefined.add(definition);
      redefinedNames.add(definition.name.replace('/', '.'));
    }
    foundNanos = System.nanoTime();
    if (definitions.isEmpty()) {
      out.println(PREFIX + "hot swap: no loaded class changed" + (extras.isEmpty() ? "" : " (" + extras + ")"));
      return;
    }
    try {
      instrumentation.redefineClasses(definitions.toArray(new ClassDefinition[0]));
    } catch (Throwable refused) {
      // UnsupportedOperationException, ClassFormatError, VerifyError, LinkageError...: the JVM
      // redefined nothing (the call is all or nothing).
      restart("the JVM refused to redefine " + String.join(", ", redefinedNames) + ": " + refused);
      return;
    }
    for (int i = 0; i < redefined.size(); i++) redefined.get(i).bytes = definitions.get(i).getDefinitionClassFile();
    long ms = (System.nanoTime() - startedNanos) / 1_000_000;
    int count = definitions.size();
    String timing = TIMING
        ? String.format(" [scan %.1f, check %.1f, find %.1f, redefine %.1f ms]", (applyNanos - startedNanos) / 1e6, (checkedNanos - applyNanos) / 1e6, (foundNanos - checkedNanos) / 1e6, (System.nanoTime() - foundNanos) / 1e6)
        : "";
    out.println(PREFIX + "hot swap: " + count + (count == 1 ? " class" : " classes") + " redefined in " + ms + " ms (" + String.join(", ", redefinedNames) + ")" + (extras.isEmpty() ? "" : "; " + extras) + timing);
  }

  private static String extras(List<String> newClasses, int staticResources, int removedUnused) {
    List<String> parts = new ArrayList<>();
    if (!newClasses.isEmpty()) parts.add(newClasses.size() + (newClasses.size() == 1 ? " new class loads" : " new classes load") + " on first use: " + String.join(", ", newClasses));
    if (staticResources > 0) parts.add(staticResources + (staticResources == 1 ? " resource" : " resources") + " served as they are");
    if (removedUnused > 0) parts.add(removedUnused + (removedUnused == 1 ? " class file" : " class files") + " removed");
    return String.join("; ", parts);
  }

  private static String summary(List<String> reasons) {
    return reasons.get(0) + (reasons.size() > 1 ? " (and " + (reasons.size() - 1) + " more)" : "");
  }

  /** A restart of the app: by DevTools when it runs the app (same JVM), else a new JVM. */
  private void restart(String reason) {
    if (config.devtoolsTrigger != null && loaded.devtoolsLive()) {
      out.println(PREFIX + "restart (DevTools): " + reason);
      loaded.supersedeAll();
      try {
        writeAtomically(config.devtoolsTrigger, "restart " + System.currentTimeMillis() + "\n");
        return;
      } catch (IOException e) {
        out.println(PREFIX + "cannot write the DevTools trigger " + config.devtoolsTrigger + " (" + e.getMessage() + "): restarting the JVM");
      }
    }
    restartJvm(reason);
  }

  private void restartJvm(String reason) {
    out.println(PREFIX + "restart (JVM): " + reason);
    out.flush();
    try {
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
