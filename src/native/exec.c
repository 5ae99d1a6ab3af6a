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
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

extern char **environ;

static int fail(const char *what, const char *path) { return fail_errno("reloadable-exec", what, path); }

/*
 * A sync may still be writing the binary when watchexec starts this helper: a copy is run only
 * when the file did not change for SETTLE_MS before the copy nor during it, and the copy is a
 * complete ELF file (every header and segment it names lies inside it). Else it tries again, for
 * at most ATTEMPTS * SETTLE_MS.
 */
enum { ATTEMPTS = 50, SETTLE_MS = 20 };

static int same_file_state(const struct stat *a, const struct stat *b) {
  return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ino == b->st_ino;
}

static void sleep_ms(long ms) {
  struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

/* Whether the ELF image in `fd` (of `size` bytes) holds every header and segment it names. */
static int complete_elf(int fd, off_t size) {
  unsigned char ident[EI_NIDENT];
  if (size < (off_t)EI_NIDENT || pread(fd, ident, EI_NIDENT, 0) != EI_NIDENT || memcmp(ident, ELFMAG, SELFMAG) != 0) return 0;
  if (ident[EI_CLASS] == ELFCLASS64) {
    Elf64_Ehdr header;
    if (size < (off_t)sizeof header || pread(fd, &header, sizeof header, 0) != (ssize_t)sizeof header) return 0;
    if ((off_t)(header.e_phoff + (Elf64_Off)header.e_phnum * header.e_phentsize) > size) return 0;
    if (header.e_shnum > 0 && (off_t)(header.e_shoff + (Elf64_Off)header.e_shnum * header.e_shentsize) > size) return 0;
    for (int i = 0; i < header.e_phnum; i++) {
      Elf64_Phdr program;
      if (pread(fd, &program, sizeof program, (off_t)(header.e_phoff + (Elf64_Off)i * header.e_phentsize)) != (ssize_t)sizeof program) return 0;
      if ((off_t)(program.p_offset + program.p_filesz) > size) return 0;
    }
    return 1;
  }
  if (ident[EI_CLASS] == ELFCLASS32) {
    Elf32_Ehdr header;
    if (size < (off_t)sizeof header || pread(fd, &header, sizeof header, 0) != (ssize_t)sizeof header) return 0;
    if ((off_t)header.e_phoff + (off_t)header.e_phnum * header.e_phentsize > size) return 0;
    if (header.e_shnum > 0 && (off_t)header.e_shoff + (off_t)header.e_shnum * header.e_shentsize > size) return 0;
    for (int i = 0; i < header.e_phnum; i++) {
      Elf32_Phdr program;
      if (pread(fd, &program, sizeof program, (off_t)header.e_phoff + (off_t)i * header.e_phentsize) != (ssize_t)sizeof program) return 0;
      if ((off_t)program.p_offset + (off_t)program.p_filesz > size) return 0;
    }
    return 1;
  }
  return 0;
}

/*
 * Copies `path` into a new memfd. Returns the memfd, -1 with errno set on an error, or -2 when
 * the file is still changing or not yet complete (a sync still writing it).
 */
static int copy_to_memory(const char *path) {
  struct stat before, after;
  if (stat(path, &before) != 0) return -1;
  if (access(path, X_OK) != 0) return -1; /* as exec(2): a file without the x bit does not run */
  sleep_ms(SETTLE_MS);
  int source = open(path, O_RDONLY | O_CLOEXEC);
  if (source < 0) return -1;
  struct stat opened;
  if (fstat(source, &opened) != 0 || !same_file_state(&before, &opened)) {
    close(source);
    return -2;
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
  while (offset < opened.st_size) {
    ssize_t sent = sendfile(copy, source, &offset, (size_t)(opened.st_size - offset));
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
  if (!changed && (fstat(source, &after) != 0 || !same_file_state(&opened, &after))) changed = 1;
  close(source);
  // A script (#!) is run as it is; an ELF file must be whole.
  unsigned char magic[4] = {0};
  if (!changed && pread(copy, magic, sizeof magic, 0) == (ssize_t)sizeof magic && memcmp(magic, ELFMAG, SELFMAG) == 0 && !complete_elf(copy, opened.st_size)) changed = 1;
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
      if (attempt >= ATTEMPTS) {
        fprintf(stderr, "reloadable-exec: %s kept changing for %d ms while it was copied; not running a half-written program\n", path, ATTEMPTS * SETTLE_MS);
        return 126;
      }
      continue; /* copy_to_memory waits SETTLE_MS before each look */
    }
    fexecve(copy, argv + 1, environ);
    return fail("cannot execute", path);
  }
}
