/*
 * reloadable-exec PROGRAM [ARG...]
 *
 * Runs PROGRAM from an in-memory copy (memfd + fexecve), so the file itself is never the
 * running text of a process. A sync tool can then overwrite a compiled binary IN PLACE while
 * the app runs (no "Text file busy"), as well as replace it by unlink and create; watchexec sees
 * the change and restarts this helper, which copies the new binary.
 *
 * Reloadable wraps only native (ELF) programs of the app dir with it. Static, no dependencies:
 * it runs on every run image, shell or not. Caveat: /proc/self/exe names the memfd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"

extern char **environ;

static int fail(const char *what, const char *path) { return fail_errno("reloadable-exec", what, path); }

/* A sync may still be writing the binary when watchexec starts this helper. */
enum { ATTEMPTS = 50, SETTLE_MS = 20 };

static int same_file_state(const struct stat *a, const struct stat *b) {
  return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ino == b->st_ino;
}

/*
 * Copies `path` into a new memfd. Returns the memfd, -1 with errno set on an error, or -2 when
 * the file changed while it was copied (a sync still writing it).
 */
static int copy_to_memory(const char *path) {
  int source = open(path, O_RDONLY | O_CLOEXEC);
  if (source < 0) return -1;
  struct stat before, after;
  if (fstat(source, &before) != 0) {
    int saved = errno;
    close(source);
    errno = saved;
    return -1;
  }
  const char *name = strrchr(path, '/');
  int copy = memfd_create(name != NULL ? name + 1 : path, MFD_CLOEXEC);
  if (copy < 0) {
    int saved = errno;
    close(source);
    errno = saved;
    return -1;
  }
  off_t offset = 0;
  int changed = 0;
  while (offset < before.st_size) {
    ssize_t sent = sendfile(copy, source, &offset, (size_t)(before.st_size - offset));
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0) {
      int saved = errno;
      close(source);
      close(copy);
      errno = saved;
      return -1;
    }
    if (sent == 0) { /* shorter than it was a moment ago: still being written */
      changed = 1;
      break;
    }
  }
  if (!changed && (fstat(source, &after) != 0 || !same_file_state(&before, &after))) changed = 1;
  close(source);
  if (changed) {
    close(copy);
    return -2;
  }
  fchmod(copy, 0755);
  return copy;
}

int exec_main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: reloadable-exec PROGRAM [ARG...]\n");
    return 2;
  }
  const char *path = argv[1];
  for (int attempt = 1;; attempt++) {
    int copy = copy_to_memory(path);
    if (copy == -1) return fail("cannot copy", path);
    if (copy == -2) {
      if (attempt == ATTEMPTS) {
        fprintf(stderr, "reloadable-exec: %s kept changing for %d ms while it was copied; not running a half-written program\n", path, ATTEMPTS * SETTLE_MS);
        return 126;
      }
      usleep(SETTLE_MS * 1000);
      continue;
    }
    fexecve(copy, argv + 1, environ);
    return fail("cannot execute", path);
  }
}
