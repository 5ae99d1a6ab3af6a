package reloadable.hotswap;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The files under the watch paths (minus the ignored ones) and their state, and what changed
 * between two such snapshots. A file's state includes its change time and inode, which the
 * kernel sets and nothing can set back: a sync may write a file of the same size with the same
 * modification time (tar keeps the archive's whole seconds), but never with the same ctime.
 * A file other than a class file, up to CONTENT_LIMIT bytes, is also compared by its content:
 * `docker cp` and Compose Watch copy whole dirs, and Maven copies resources at each compile,
 * so an application.properties rewritten with the same bytes must not restart the app. (Class
 * files are compared with the bytes the JVM loaded when a sync is judged.)
 */
final class Tree {
  enum Kind { ADDED, MODIFIED, REMOVED }

  static final class Change {
    final Path path;
    final Kind kind;

    Change(Path path, Kind kind) {
      this.path = path;
      this.kind = kind;
    }
  }

  /** Files other than class files up to this size are compared by content as well. */
  static final long CONTENT_LIMIT = 1 << 20;

  private static final class State {
    final long size;
    final Object modified;
    final Object changed;
    final Object inode;
    /** SHA-256 of the content, for files compared by content; else null. */
    final byte[] digest;

    State(long size, Object modified, Object changed, Object inode, byte[] digest) {
      this.size = size;
      this.modified = modified;
      this.changed = changed;
      this.inode = inode;
      this.digest = digest;
    }

    boolean sameMetadata(State that) {
      return size == that.size && Objects.equals(modified, that.modified) && Objects.equals(changed, that.changed) && Objects.equals(inode, that.inode);
    }

    @Override
    public boolean equals(Object other) {
      if (!(other instanceof State)) return false;
      State that = (State) other;
      if (digest != null && that.digest != null) return size == that.size && Arrays.equals(digest, that.digest);
      return sameMetadata(that);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(size);
    }
  }

  final Map<Path, State> files;

  private Tree(Map<Path, State> files) {
    this.files = files;
  }

  static Tree scan(List<Path> roots, Ignores ignores) {
    return scan(roots, ignores, null);
  }

  /** A scan that reuses the content digests of `previous` for files whose metadata is the same. */
  static Tree scan(List<Path> roots, Ignores ignores, Tree previous) {
    Map<Path, State> files = new TreeMap<>();
    for (Path root : roots) {
      try {
        Path start = Files.isSymbolicLink(root) ? root.toRealPath() : root;
        Files.walkFileTree(start, new SimpleFileVisitor<Path>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
            Path shown = root.resolve(start.relativize(dir));
            return !dir.equals(start) && ignores.hidesContentsOf(shown) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
            Path shown = root.resolve(start.relativize(file));
            if (attributes.isDirectory() || ignores.matches(shown)) return FileVisitResult.CONTINUE;
            State state = state(file, attributes, previous == null ? null : previous.files.get(shown));
            if (state != null) files.put(shown, state);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException error) {
            return FileVisitResult.CONTINUE; // gone while we looked, or unreadable: not a change of ours
          }
        });
      } catch (NoSuchFileException e) {
        // a watch path that is gone holds nothing
      } catch (IOException e) {
        // as above
      }
    }
    return new Tree(files);
  }

  private static State state(Path file, BasicFileAttributes basic, State previous) {
    State metadata;
    try {
      Map<String, Object> unix = Files.readAttributes(file, "unix:size,lastModifiedTime,ctime,ino", LinkOption.NOFOLLOW_LINKS);
      metadata = new State((Long) unix.get("size"), unix.get("lastModifiedTime"), unix.get("ctime"), unix.get("ino"), null);
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      metadata = new State(basic.size(), basic.lastModifiedTime(), null, basic.fileKey(), null);
    } catch (IOException e) {
      return null;
    }
    if (!basic.isRegularFile() || metadata.size > CONTENT_LIMIT || file.getFileName().toString().endsWith(".class")) return metadata;
    if (previous != null && previous.digest != null && previous.sameMetadata(metadata)) return previous;
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
      return new State(metadata.size, metadata.modified, metadata.changed, metadata.inode, digest);
    } catch (IOException | NoSuchAlgorithmException e) {
      return metadata; // unreadable now: compared by its metadata
    }
  }

  /** This snapshot with the given paths as `before` has them (present or not). */
  Tree keeping(Tree before, List<Change> changes) {
    Map<Path, State> kept = new TreeMap<>(files);
    for (Change change : changes) {
      State state = before.files.get(change.path);
      if (state == null) kept.remove(change.path);
      else kept.put(change.path, state);
    }
    return new Tree(kept);
  }

  /** What changed from this snapshot to `next`, in path order. */
  List<Change> changesTo(Tree next) {
    List<Change> changes = new ArrayList<>();
    Map<Path, State> all = new TreeMap<>(files);
    all.putAll(next.files);
    for (Path path : all.keySet()) {
      State before = files.get(path);
      State after = next.files.get(path);
      if (before == null) changes.add(new Change(path, Kind.ADDED));
      else if (after == null) changes.add(new Change(path, Kind.REMOVED));
      else if (!before.equals(after)) changes.add(new Change(path, Kind.MODIFIED));
    }
    return changes;
  }

  /**
   * The watch's ignore globs, as watchexec applies them to each changed path: a glob without a
   * "/" matches the file or dir name at any depth; one with a "/" is anchored at the origin (the
   * app dir), "**" crossing dirs; a leading "**&#47;" matches at the top as well.
   */
  static final class Ignores {
    private final Path origin;
    private final List<PathMatcher> names = new ArrayList<>();
    private final List<PathMatcher> anchored = new ArrayList<>();
    private final Map<Path, Boolean> hiddenDirs = new HashMap<>();

    Ignores(Path origin, List<String> globs) {
      this.origin = origin;
      for (String glob : globs) {
        String pattern = glob.endsWith("/") ? glob.substring(0, glob.length() - 1) : glob;
        if (pattern.startsWith("/")) pattern = pattern.substring(1);
        if (pattern.isEmpty()) continue;
        try {
          if (!pattern.contains("/")) {
            names.add(FileSystems.getDefault().getPathMatcher("glob:" + pattern));
          } else {
            anchored.add(FileSystems.getDefault().getPathMatcher("glob:" + pattern));
            if (pattern.startsWith("**/")) anchored.add(FileSystems.getDefault().getPathMatcher("glob:" + pattern.substring(3)));
          }
        } catch (IllegalArgumentException e) {
          // the build refused globs watchexec refuses; one Java cannot read ignores nothing here
        }
      }
    }

    boolean matches(Path path) {
      Path name = path.getFileName();
      if (name != null) for (PathMatcher matcher : names) if (matcher.matches(name)) return true;
      if (!path.startsWith(origin)) return false;
      Path relative = origin.relativize(path);
      if (relative.toString().isEmpty()) return false;
      for (PathMatcher matcher : anchored) if (matcher.matches(relative)) return true;
      return false;
    }

    /** Whether everything in `dir` is ignored (`**&#47;tmp/**`), so the scan can skip it. */
    boolean hidesContentsOf(Path dir) {
      return hiddenDirs.computeIfAbsent(dir, d -> matches(d) && matches(d.resolve("reloadable-probe")));
    }
  }
}
