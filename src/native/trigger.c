/*
 * reloadable-trigger [DIR]
 *
 * Ends a sync in trigger mode: writes DIR/sync anew (the date in it). Declared as the image's
 * `reloadable-trigger` process type, so every sync tool can run it by bare name through
 * `docker exec` / `kubectl exec`, with no shell in the image. It writes a temp file and renames
 * it over the old one: one that `docker cp` left belongs to root and cannot be opened for writing
 * by the app's user, but the trigger dir is the user's (group-writable), so it can be replaced;
 * and a watcher that polls (Spring Boot DevTools) sees one change, not a removal and a creation. DIR defaults to
 * $RELOADABLE_TRIGGER_DIR, which the build sets in the launch env (`sh -c reloadable-trigger`
 * finds this helper on PATH, with no argument).
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

int trigger_main(int argc, char **argv) {
  const char *dir = argc == 2 ? argv[1] : getenv("RELOADABLE_TRIGGER_DIR");
  if (argc > 2 || dir == NULL || *dir == '\0') {
    fprintf(stderr, "usage: reloadable-trigger [DIR] (DIR defaults to $RELOADABLE_TRIGGER_DIR, set in trigger mode)\n");
    return 2;
  }
  char path[4096], temp[4200];
  snprintf(path, sizeof path, "%s/sync", dir);
  snprintf(temp, sizeof temp, "%s/.sync-%d", dir, (int)getpid());
  int fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0664);
  if (fd < 0) return fail_errno("reloadable-trigger", "cannot write", path);
  char stamp[64];
  time_t now = time(NULL);
  size_t length = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ\n", gmtime(&now));
  if (write(fd, stamp, length) != (ssize_t)length || close(fd) != 0) {
    int code = fail_errno("reloadable-trigger", "cannot write", path);
    unlink(temp);
    return code;
  }
  if (rename(temp, path) != 0) {
    int code = fail_errno("reloadable-trigger", "cannot replace", path);
    unlink(temp);
    return code;
  }
  return 0;
}
