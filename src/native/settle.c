/*
 * reloadable-settle QUIET_MS PROGRAM [ARG...]
 *
 * watchexec's --debounce is a fixed window from the first event: a sync that lasts longer than
 * the window restarts the app once per window. So watchexec restarts THIS instead of the app:
 * started for a reload (watchexec emits the window's events to $WATCHEXEC_EVENTS_FILE), it waits
 * the quiet period; a further window during the sync stops it and starts the next one, which
 * waits anew. Only once a whole quiet period passes with no window does it print one line naming
 * what changed since the app last started, and exec PROGRAM (the app, or the next helper). The
 * first start (no events) execs at once. The changes of the windows it outlived, and when the
 * first of them came, are kept in a small file in $TMPDIR (else /tmp), named by watchexec's pid.
 *
 * The quiet period is QUIET_MS plus a quarter of how long the sync has lasted so far (from the
 * first window of this reload), at most GROWTH_CAP_MS more: a single change waits QUIET_MS, while
 * a long sync, whose stream is the more likely to stall (a disk flushing its journal, a loaded
 * node, a TCP retransmit), needs a longer silence before it counts as ended. Measured (README,
 * "Measured"): with a fixed 50-70 ms, a 3000-file local sync on ext4 under load sometimes
 * started the app twice. QUIET_MS 0 turns the wait off, growth included.
 *
 * With JVM hot swap, a start that the agent asked for goes at once and prints nothing: the sync
 * had ended when the agent decided, and the agent printed the line that says why. The agent
 * leaves the file $RELOADABLE_HOTSWAP_MARKER (in a dir nothing watches) before it exits the JVM;
 * this start removes it. (watchexec's events for the start may not name the agent's request:
 * they are those of the last event window it saw before the JVM exited.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

enum { SHOWN_PATHS = 3 };
/* The quiet period grows by 1/GROWTH_DIVISOR of the sync so far, by at most GROWTH_CAP_MS. */
enum { GROWTH_DIVISOR = 4, GROWTH_CAP_MS = 500 };
/* The state file's first line: when the first window of this reload started its waiter. */
static const char STARTED[] = "#started ";

/* The whole content of a file, NUL-terminated; NULL when it cannot be read. */
static char *read_all(const char *path, size_t *length) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t capacity = 4096, used = 0;
  char *buffer = malloc(capacity);
  for (;;) {
    if (buffer == NULL) break;
    if (used + 1 >= capacity) {
      char *grown = realloc(buffer, capacity *= 2);
      if (grown == NULL) {
        free(buffer);
        buffer = NULL;
        break;
      }
      buffer = grown;
    }
    ssize_t got = read(fd, buffer + used, capacity - used - 1);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    used += (size_t)got;
  }
  close(fd);
  if (buffer != NULL) buffer[used] = '\0';
  *length = used;
  return buffer;
}

static int compare_strings(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/*
 * Prints "[reloadable] restart: N change(s): a, b, c, +M more" for the `kind:/path` lines of
 * `events` (watchexec's format), paths relative to the working dir, each counted once.
 */
static void report(char *events) {
  size_t count = 0, capacity = 64;
  char **paths = malloc(capacity * sizeof *paths);
  if (paths == NULL) return;
  char cwd[4096];
  size_t cwd_length = getcwd(cwd, sizeof cwd) != NULL ? strlen(cwd) : 0;
  for (char *line = strtok(events, "\n"); line != NULL; line = strtok(NULL, "\n")) {
    if (line[0] == '#') continue;
    char *path = strchr(line, ':');
    path = path != NULL ? path + 1 : line;
    if (*path == '\0') continue;
    // The temp and replaced names of the docker cp repair (repair.c) are not the user's changes.
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    if (strncmp(base, ".reloadable-copy-", 17) == 0 || strncmp(base, ".reloadable-replaced-", 21) == 0) continue;
    if (cwd_length > 1 && strncmp(path, cwd, cwd_length) == 0 && path[cwd_length] == '/') path += cwd_length + 1;
    if (count == capacity) {
      char **grown = realloc(paths, (capacity *= 2) * sizeof *paths);
      if (grown == NULL) break;
      paths = grown;
    }
    paths[count++] = path;
  }
  qsort(paths, count, sizeof *paths, compare_strings);
  size_t unique = 0;
  for (size_t i = 0; i < count; i++) {
    if (unique == 0 || strcmp(paths[unique - 1], paths[i]) != 0) paths[unique++] = paths[i];
  }
  fprintf(stderr, "[reloadable] restart: %zu change%s: ", unique, unique == 1 ? "" : "s");
  for (size_t i = 0; i < unique && i < SHOWN_PATHS; i++) fprintf(stderr, "%s%s", i > 0 ? ", " : "", paths[i]);
  if (unique > SHOWN_PATHS) fprintf(stderr, ", +%zu more", unique - SHOWN_PATHS);
  fputc('\n', stderr);
  free(paths);
}

/* Whether the hot swap agent asked for this start: it left its marker, which is removed here. */
static int asked_by_agent(void) {
  const char *marker = getenv("RELOADABLE_HOTSWAP_MARKER");
  return marker != NULL && *marker != '\0' && unlink(marker) == 0;
}

static long long monotonic_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/*
 * When the first window of this reload came (the state file's first line); `now` when this is
 * the first, and then the line is written. CLOCK_MONOTONIC is the same for every process here.
 */
static long long reload_started(int fd, long long now) {
  char head[64];
  ssize_t got = pread(fd, head, sizeof head - 1, 0);
  if (got > 0) {
    head[got] = '\0';
    char *end = NULL;
    long long started = strncmp(head, STARTED, sizeof STARTED - 1) == 0 ? strtoll(head + sizeof STARTED - 1, &end, 10) : -1;
    if (end != NULL && *end == '\n' && started > 0 && started <= now) return started;
    return now;
  }
  char line[64];
  int length = snprintf(line, sizeof line, "%s%lld\n", STARTED, now);
  (void)!write(fd, line, (size_t)length);
  return now;
}

static void sleep_ms(long ms) {
  struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

int settle_main(int argc, char **argv) {
  char *end = NULL;
  // Digits only: strtol alone would take " 100" and "+100".
  long quiet_ms = argc >= 3 && argv[1][0] >= '0' && argv[1][0] <= '9' ? strtol(argv[1], &end, 10) : -1;
  if (argc < 3 || end == NULL || end == argv[1] || *end != '\0' || quiet_ms < 0 || quiet_ms > 60000) {
    fprintf(stderr, "usage: reloadable-settle QUIET_MS PROGRAM [ARG...] (QUIET_MS 0 to 60000)\n");
    return 2;
  }
  char state[4096];
  const char *tmp = getenv("TMPDIR");
  snprintf(state, sizeof state, "%s/reloadable-settle-%d-%d.events", tmp != NULL && *tmp != '\0' ? tmp : "/tmp", (int)getppid(), (int)getuid());

  size_t length = 0;
  const char *events_file = getenv("WATCHEXEC_EVENTS_FILE");
  char *events = events_file != NULL ? read_all(events_file, &length) : NULL;
  int asked = asked_by_agent();
  if (events == NULL || length == 0 || asked) {
    // The first start, a start that no file change caused, or one the hot swap agent asked for:
    // no wait, and no stale changes.
    unlink(state);
  } else {
    // What docker cp made root's is replaced before the quiet period, so that the changes this
    // makes fall inside it and start nothing on their own.
    const char *app = app_dir();
    if (app != NULL) repair_foreign_tree(app, "reloadable-settle");
    long long now = monotonic_ms(), started = now;
    int fd = open(state, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
      started = reload_started(fd, now);
      for (size_t written = 0; written < length;) {
        ssize_t n = write(fd, events + written, length - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        written += (size_t)n;
      }
      if (events[length - 1] != '\n') (void)!write(fd, "\n", 1);
      close(fd);
    }
    // QUIET_MS 0 is "off": the app starts at every window, as without this waiter.
    long long growth = quiet_ms == 0 ? 0 : (now - started) / GROWTH_DIVISOR;
    sleep_ms(quiet_ms + (growth < GROWTH_CAP_MS ? (long)growth : GROWTH_CAP_MS));
    // Outlived the quiet period: the sync has ended. Everything since the last start, once.
    size_t total = 0;
    char *all = read_all(state, &total);
    unlink(state);
    report(all != NULL ? all : events);
    free(all);
  }
  free(events);
  execvp(argv[2], argv + 2);
  return fail_errno("reloadable-settle", "cannot execute", argv[2]);
}
