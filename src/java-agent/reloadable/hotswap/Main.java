package reloadable.hotswap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * `java -jar reloadable-hotswap.jar check BEFORE AFTER`: what the agent would do with a change,
 * without a running app. BEFORE and AFTER are class files, or dirs of them (compared by path).
 * One line per class: `<class>: hot swap`, `<class>: restart: <reasons>`, `<class>: new` (and
 * `... (@Annotation: restart)`), `<class>: removed`. Exit status 0, 2 on bad usage.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 3 || !args[0].equals("check")) {
      System.err.println("usage: java -jar reloadable-hotswap.jar check BEFORE AFTER (class files, or dirs of class files)");
      System.exit(2);
    }
    Path before = Paths.get(args[1]);
    Path after = Paths.get(args[2]);
    Map<String, Path[]> pairs = new TreeMap<>();
    if (Files.isDirectory(before) || Files.isDirectory(after)) {
      for (Path file : classFiles(before)) pairs.computeIfAbsent(before.relativize(file).toString(), k -> new Path[2])[0] = file;
      for (Path file : classFiles(after)) pairs.computeIfAbsent(after.relativize(file).toString(), k -> new Path[2])[1] = file;
    } else {
      pairs.put(after.getFileName().toString(), new Path[] {before, after});
    }
    for (Map.Entry<String, Path[]> pair : pairs.entrySet()) {
      String shown = pair.getKey().replaceAll("\\.class$", "").replace('/', '.');
      System.out.println(shown + ": " + verdict(pair.getValue()[0], pair.getValue()[1]));
    }
  }

  private static String verdict(Path before, Path after) throws IOException {
    try {
      if (after == null) return "removed";
      ClassFile next = ClassFile.parse(Files.readAllBytes(after));
      if (before == null) {
        String annotation = Compatibility.discoveredAnnotation(next);
        return annotation == null ? "new" : "new (" + annotation + ": restart)";
      }
      byte[] old = Files.readAllBytes(before);
      if (java.util.Arrays.equals(old, Files.readAllBytes(after))) return "unchanged";
      List<String> reasons = Compatibility.reasons(ClassFile.parse(old), next);
      return reasons.isEmpty() ? "hot swap" : "restart: " + String.join("; ", reasons);
    } catch (ClassFile.FormatException e) {
      return "restart: " + e.getMessage();
    }
  }

  private static List<Path> classFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) return java.util.Collections.emptyList();
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(f -> f.toString().endsWith(".class") && Files.isRegularFile(f)).collect(Collectors.toList());
    }
  }
}
