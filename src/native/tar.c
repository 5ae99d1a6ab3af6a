/*
 * reloadable-tar [TAR ARG...]
 *
 * Declared as the image's `tar` process type, so `docker exec <ctr> tar ...` and `kubectl exec
 * <pod> -- tar ...` (what Tilt's live update and kubectl cp run, by bare name) reach it first:
 * the image's PATH starts with /cnb/process. It runs the run image's own tar with the same
 * arguments, as the same user, and changes two things:
 * - The app dir belongs to the BUILD user; the run user writes it through the group. GNU tar,
 *   extracting an archive that holds entries for existing directories (Tilt sends `workspace/`),
 *   tries to set their mode and times, which only their owner may do, and exits 2 ("Cannot
 *   utime", "Cannot change mode"), so the sync tool reports a failed update. Those two errors, for
 *   existing directories the run user does not own, are dropped; every other error is kept.
 * - Directories that `docker cp` made root's are replaced first by copies the run user owns
 *   (see repair.c), so the extraction can write into them.
 * Run as root, or with no tar on the run image's PATH, it changes nothing / says so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

/* The directory tar extracts into: the last -C/--directory, else the working dir. */
static const char *target_dir(int argc, char **argv) {
  const char *dir = ".";
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--") == 0) break;
    if ((strcmp(arg, "-C") == 0 || strcmp(arg, "--directory") == 0) && i + 1 < argc) dir = argv[++i];
    else if (strncmp(arg, "--directory=", 12) == 0) dir = arg + 12;
    else if (strncmp(arg, "-C", 2) == 0 && arg[2] != '\0') dir = arg + 2;
  }
  return dir;
}

/*
 * "tar: <member>: Cannot utime: Operation not permitted" or "...: Cannot change mode to ...:
 * Operation not permitted" for an existing directory that the run user does not own.
 */
static int is_foreign_directory_error(const char *line, const char *dir) {
  if (strncmp(line, "tar: ", 5) != 0 || strstr(line, ": Operation not permitted") == NULL) return 0;
  const char *member = line + 5;
  const char *what = strstr(member, ": Cannot utime: ");
  if (what == NULL) what = strstr(member, ": Cannot change mode to ");
  if (what == NULL) return 0;
  char path[PATH_MAX];
  int length = (int)(what - member);
  if (member[0] == '/') snprintf(path, sizeof path, "%.*s", length, member);
  else snprintf(path, sizeof path, "%s/%.*s", dir, length, member);
  struct stat info;
  return lstat(path, &info) == 0 && S_ISDIR(info.st_mode) && info.st_uid != getuid();
}

/*
 * GNU tar's warnings (it exits 0 for them alone): not errors that make its exit 2. A clock on the
 * sync client's machine ahead of the container's gives "time stamp ... in the future" for every
 * file Tilt sends without -m.
 */
static int is_warning(const char *line) {
  static const char *const warnings[] = {"in the future", "implausibly old time stamp", "Ignoring unknown extended header keyword", "A lone zero block at"};
  for (size_t i = 0; i < sizeof warnings / sizeof warnings[0]; i++) {
    if (strstr(line, warnings[i]) != NULL) return 1;
  }
  return 0;
}

int tar_main(int argc, char **argv) {
  // `--busybox=PATH` (from the process declaration, never from the user): busybox's tar, for a
  // run image with no tar of its own.
  const char *busybox = NULL;
  if (argc > 1 && strncmp(argv[1], "--busybox=", 10) == 0) {
    busybox = argv[1] + 10;
    argv[1] = argv[0];
    argv++;
    argc--;
  }
  char tar[PATH_MAX];
  if (find_program("tar", tar, busybox) != 0) {
    if (busybox == NULL) {
      fprintf(stderr, "reloadable-tar: no tar on the run image's PATH (%s)\n", getenv("PATH") != NULL ? getenv("PATH") : "unset");
      return 127;
    }
    snprintf(tar, sizeof tar, "%s", busybox);
  }
  argv[0] = "tar"; /* tar (and busybox's applet) names itself by argv[0] in messages read below */
  if (getuid() == 0) {
    execv(tar, argv);
    return fail_errno("reloadable-tar", "cannot execute", tar);
  }
  const char *app = app_dir();
  if (app != NULL) repair_foreign_tree(app, "reloadable-tar");

  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return fail_errno("reloadable-tar", "cannot make a pipe for", tar);
  pid_t child = fork();
  if (child < 0) return fail_errno("reloadable-tar", "cannot fork to run", tar);
  if (child == 0) {
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    execv(tar, argv);
    _exit(fail_errno("reloadable-tar", "cannot execute", tar));
  }
  close(pipe_fds[1]);
  FILE *errors = fdopen(pipe_fds[0], "r");
  const char *dir = target_dir(argc, argv);
  char *line = NULL;
  size_t capacity = 0;
  int kept = 0, dropped = 0, exit_notice = 0;
  while (errors != NULL && getline(&line, &capacity, errors) >= 0) {
    if (strcmp(line, "tar: Exiting with failure status due to previous errors\n") == 0) {
      exit_notice = 1;
      continue;
    }
    if (is_foreign_directory_error(line, dir)) {
      dropped++;
      continue;
    }
    if (!is_warning(line)) kept++;
    fputs(line, stderr);
  }
  free(line);
  int status;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status)) return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  int code = WEXITSTATUS(status);
  // tar's exit 2 that only the dropped errors caused is a success.
  if (code == 2 && kept == 0 && dropped > 0) return 0;
  if (exit_notice) fputs("tar: Exiting with failure status due to previous errors\n", stderr);
  return code;
}
