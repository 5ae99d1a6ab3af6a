package reloadable.hotswap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * What the build told the agent (src/java/hotswap.ts writes the file): one setting a line,
 * `<key> <value>`, a key given once per value for lists. Lines starting with # are comments.
 *
 *   class-dir        a dir whose class files are hot-swappable (BOOT-INF/classes, the exploded JAR)
 *   watch            a path whose changes matter (the reload's watch paths)
 *   ignore           a glob of BP_LIVE_RELOAD_IGNORE and the built-in ignores
 *   origin           the dir globs with a "/" are anchored at (the app dir)
 *   trigger-dir      trigger mode: a sync has ended when a file is written here
 *   quiet-ms         app-dir mode: a sync has ended after this long with no change
 *   poll-ms          poll the watch paths at this interval instead of inotify
 *   restart-request  the file whose change makes watchexec start the JVM again
 *   restart-marker   left before the JVM exits for a restart: reloadable-settle removes it and
 *                    then prints nothing (the agent said why)
 *   devtools-trigger the trigger file of Spring Boot DevTools (when the build turned DevTools on)
 *   stop-timeout-ms  how long the JVM may take to stop before it is halted
 */
final class Config {
  final List<Path> classDirs = new ArrayList<>();
  final List<Path> watch = new ArrayList<>();
  final List<String> ignore = new ArrayList<>();
  Path origin;
  Path triggerDir;
  long quietMs = 80;
  long pollMs;
  Path restartRequest;
  Path restartMarker;
  Path devtoolsTrigger;
  long stopTimeoutMs = 20_000;

  static Config read(Path file) throws IOException {
    Config config = new Config();
    int number = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      number++;
      if (line.isEmpty() || line.startsWith("#")) continue;
      int space = line.indexOf(' ');
      if (space <= 0) throw new IOException(file + ":" + number + ": not \"<key> <value>\": " + line);
      String key = line.substring(0, space);
      String value = line.substring(space + 1);
      switch (key) {
        case "class-dir":
          config.classDirs.add(Paths.get(value).toAbsolutePath().normalize());
          break;
        case "watch":
          config.watch.add(Paths.get(value).toAbsolutePath().normalize());
          break;
        case "ignore":
          config.ignore.add(value);
          break;
        case "origin":
          config.origin = Paths.get(value).toAbsolutePath().normalize();
          break;
        case "trigger-dir":
          config.triggerDir = Paths.get(value);
          break;
        case "quiet-ms":
          config.quietMs = Long.parseLong(value);
          break;
        case "poll-ms":
          config.pollMs = Long.parseLong(value);
          break;
        case "restart-request":
          config.restartRequest = Paths.get(value);
          break;
        case "restart-marker":
          config.restartMarker = Paths.get(value);
          break;
        case "devtools-trigger":
          config.devtoolsTrigger = Paths.get(value);
          break;
        case "stop-timeout-ms":
          config.stopTimeoutMs = Long.parseLong(value);
          break;
        default:
          throw new IOException(file + ":" + number + ": unknown key " + key);
      }
    }
    if (config.classDirs.isEmpty()) throw new IOException(file + ": no class-dir");
    if (config.restartRequest == null) throw new IOException(file + ": no restart-request");
    if (config.origin == null) config.origin = config.classDirs.get(0);
    // The JVM names a class's code source by the path on its class path, which may be a link.
    for (Path dir : new ArrayList<>(config.classDirs)) {
      try {
        Path real = dir.toRealPath();
        if (!config.classDirs.contains(real)) config.classDirs.add(real);
      } catch (IOException e) {
        // a class dir that does not exist yet holds nothing loaded
      }
    }
    return config;
  }
}
