package reloadable.hotswap;

import java.lang.instrument.Instrumentation;
import java.nio.file.Paths;

/**
 * Reloadable's hot swap agent (-javaagent:reloadable-hotswap.jar=<config file>, added by the
 * buildpack to JAVA_TOOL_OPTIONS of the reloadable processes). It notes the bytes of every class
 * the app defines from its class dirs, watches for the end of each sync, and then applies the
 * changed classes in the running JVM, or restarts the app when they cannot be (see Reloader).
 */
public final class Agent {
  private Agent() {}

  /**
   * This JVM's pid, from /proc/self (Linux, where buildpacks run): ProcessHandle exists only from
   * Java 9, and java.management may be left out of a jlinked runtime. The agent runs on Java 8.
   */
  static String pid() {
    try {
      return java.nio.file.Files.readSymbolicLink(Paths.get("/proc/self")).toString();
    } catch (Exception e) {
      return "unknown";
    }
  }

  public static void premain(String arguments, Instrumentation instrumentation) {
    Config config;
    try {
      if (arguments == null || arguments.isEmpty()) throw new IllegalArgumentException("no config file given (-javaagent:<jar>=<config file>)");
      config = Config.read(Paths.get(arguments));
    } catch (Exception error) {
      System.err.println(Reloader.PREFIX + "hot swap is off: " + error.getMessage() + ": syncs do not reach this JVM; rebuild the image (or set BP_LIVE_RELOAD_JVM_HOTSWAP=false)");
      return;
    }
    LoadedClasses loaded = new LoadedClasses(config.classDirs);
    instrumentation.addTransformer(loaded, false);
    Reloader reloader = new Reloader(config, instrumentation, loaded, System.err);
    Thread thread = new Thread(new Watcher(config, reloader), "reloadable-hotswap");
    thread.setDaemon(true);
    thread.start();
  }
}
