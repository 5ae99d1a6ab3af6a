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

extern char **environ;

static int fail(const char *what, const char *path) {
  fprintf(stderr, "reloadable-exec: %s %s: %s\n", what, path, strerror(errno));
  return 127;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: reloadable-exec PROGRAM [ARG...]\n");
    return 2;
  }
  const char *path = argv[1];
  int source = open(path, O_RDONLY | O_CLOEXEC);
  if (source < 0) return fail("cannot open", path);
  struct stat info;
  if (fstat(source, &info) != 0) return fail("cannot stat", path);

  const char *name = strrchr(path, '/');
  int copy = memfd_create(name != NULL ? name + 1 : path, MFD_CLOEXEC);
  if (copy < 0) return fail("cannot create a memory copy of", path);
  off_t offset = 0;
  while (offset < info.st_size) {
    ssize_t sent = sendfile(copy, source, &offset, (size_t)(info.st_size - offset));
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return fail("cannot copy", path);
  }
  close(source);
  fchmod(copy, 0755);

  fexecve(copy, argv + 1, environ);
  return fail("cannot execute", path);
}
