package reloadable.hotswap;

import java.lang.instrument.ClassFileTransformer;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Every class the app defines from the class dirs, with the bytes it was defined from (what the
 * running code is), by the loader that defined it. A class file on disk has already been
 * replaced when a sync is seen, so these bytes are the only "before" there is.
 *
 * The same name can be defined by several loaders: Spring Boot's LaunchedClassLoader defines the
 * main class, then DevTools' RestartClassLoader defines it again, and a DevTools restart makes a
 * new RestartClassLoader while the old one waits for the garbage collector. A loader is LIVE
 * until a loader that came after it defines a class it defined too, or until a DevTools restart
 * is asked for; only live definitions are redefined (a dead one may have an older shape that the
 * JVM would refuse, and nothing runs its code).
 */
final class LoadedClasses implements ClassFileTransformer {
  /** One class as one loader defined it. */
  static final class Definition {
    final String name;
    final WeakReference<ClassLoader> loader;
    volatile byte[] bytes;
    /** The Class itself, once a sync looked it up (the transformer runs before it exists). */
    volatile WeakReference<Class<?>> type;

    Definition(String name, ClassLoader loader, byte[] bytes) {
      this.name = name;
      this.loader = new WeakReference<>(loader);
      this.bytes = bytes;
    }
  }

  private final List<Path> classDirs;
  private final Map<ProtectionDomain, Boolean> fromClassDirs = Collections.synchronizedMap(new WeakHashMap<>());
  private final Map<String, List<Definition>> byName = new HashMap<>();
  /** Each loader's arrival: the order in which loaders first defined a class from the class dirs. */
  private final Map<ClassLoader, Long> arrival = new WeakHashMap<>();
  private final Map<ClassLoader, Boolean> superseded = new WeakHashMap<>();
  private long arrivals;

  LoadedClasses(List<Path> classDirs) {
    this.classDirs = classDirs;
  }

  @Override
  public byte[] transform(ClassLoader loader, String name, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
    // Never throws and never changes a class: this only takes notes, on every class the JVM loads.
    try {
      if (redefined != null || loader == null || name == null || domain == null || !isFromClassDirs(domain)) return null;
      record(name, loader, bytes.clone());
    } catch (Throwable ignored) {
      // a note not taken only makes hot swap restart for that class
    }
    return null;
  }

  private boolean isFromClassDirs(ProtectionDomain domain) {
    Boolean known = fromClassDirs.get(domain);
    if (known != null) return known;
    boolean inside = false;
    CodeSource source = domain.getCodeSource();
    URL location = source == null ? null : source.getLocation();
    if (location != null && "file".equals(location.getProtocol())) {
      try {
        Path path = Paths.get(location.toURI()).normalize();
        inside = classDirs.contains(path);
      } catch (Exception e) {
        inside = false;
      }
    }
    fromClassDirs.put(domain, inside);
    return inside;
  }

  synchronized void record(String name, ClassLoader loader, byte[] bytes) {
    long order = arrival.computeIfAbsent(loader, l -> ++arrivals);
    List<Definition> definitions = byName.computeIfAbsent(name, n -> new ArrayList<>());
    definitions.removeIf(d -> d.loader.get() == null || d.loader.get() == loader);
    for (Definition other : definitions) {
      ClassLoader otherLoader = other.loader.get();
      Long otherOrder = otherLoader == null ? null : arrival.get(otherLoader);
      if (otherOrder != null && otherOrder < order) superseded.put(otherLoader, Boolean.TRUE);
    }
    definitions.add(new Definition(name, loader, bytes));
  }

  /** The live definitions of a class (internal name), none when no live loader has it yet. */
  synchronized List<Definition> live(String name) {
    List<Definition> definitions = byName.get(name);
    if (definitions == null) return Collections.emptyList();
    List<Definition> live = new ArrayList<>();
    for (Definition definition : definitions) {
      ClassLoader loader = definition.loader.get();
      if (loader != null && !superseded.containsKey(loader)) live.add(definition);
    }
    return live;
  }

  /** Whether a live loader is Spring Boot DevTools' restart loader: DevTools can restart the app. */
  synchronized boolean devtoolsLive() {
    for (Map.Entry<ClassLoader, Long> entry : arrival.entrySet()) {
      ClassLoader loader = entry.getKey();
      if (loader != null && !superseded.containsKey(loader) && loader.getClass().getName().equals("org.springframework.boot.devtools.restart.classloader.RestartClassLoader")) {
        return true;
      }
    }
    return false;
  }

  /** A DevTools restart throws every loader of today away: their classes stay dead. */
  synchronized void supersedeAll() {
    for (ClassLoader loader : arrival.keySet()) if (loader != null) superseded.put(loader, Boolean.TRUE);
  }

  /** Forgets the loaders the garbage collector took, and the definitions no live loader holds. */
  synchronized void prune() {
    byName.values().removeIf(definitions -> {
      definitions.removeIf(d -> {
        ClassLoader loader = d.loader.get();
        return loader == null || superseded.containsKey(loader);
      });
      return definitions.isEmpty();
    });
  }
}
