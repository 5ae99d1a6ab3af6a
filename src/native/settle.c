/*
 * reloadable-settle QUIET_MS PROGRAM [ARG...]
 *
 * watchexec's --debounce is a fixed window from the first event: a sync that lasts longer than
 * the window restarts the app once per window. So watchexec restarts THIS instead of the app:
 * started for a reload (watchexec emits the window's events to $WATCHEXEC_EVENTS_FILE), it waits
 * QUIET_MS; a further window during the sync stops it and starts the next one, which waits anew.
 * Only once a whole quiet period passes with no window does it print one line naming what
 * changed since the app last started, and exec PROGRAM (the app, or the next helper). The first
 * start (no events) execs at once. The changes of the windows it outlived are kept in a small
 * file in $TMPDIR (else /tmp), named by watchexec's pid.
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
    char *path = strchr(line, ':');
    path = path != NULL ? path + 1 : line;
    if (*path == '\0') continue;
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
    int fd = open(state, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
      for (size_t written = 0; written < length;) {
        ssize_t n = write(fd, events + written, length - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        written += (size_t)n;
      }
      if (events[length - 1] != '\n') (void)!write(fd, "\n", 1);
      close(fd);
    }
    sleep_ms(quiet_ms);
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
