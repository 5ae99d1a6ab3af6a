/*
 * reloadable-trigger DIR
 *
 * Ends a sync in trigger mode: writes DIR/sync anew (the date in it). Declared as the image's
 * `reloadable-trigger` process type, so every sync tool can run it by bare name through
 * `docker exec` / `kubectl exec`, with no shell in the image. It removes the old file first:
 * one that `docker cp` left belongs to root and cannot be opened for writing by the app's user,
 * but the trigger dir is the user's (group-writable), so it can be replaced.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

int trigger_main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: reloadable-trigger DIR\n");
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/sync", argv[1]);
  if (unlink(path) != 0 && errno != ENOENT) return fail_errno("reloadable-trigger", "cannot replace", path);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0664);
  if (fd < 0) return fail_errno("reloadable-trigger", "cannot write", path);
  char stamp[64];
  time_t now = time(NULL);
  size_t length = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ\n", gmtime(&now));
  if (write(fd, stamp, length) != (ssize_t)length || close(fd) != 0) return fail_errno("reloadable-trigger", "cannot write", path);
  return 0;
}
