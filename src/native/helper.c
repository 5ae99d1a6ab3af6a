/* Dispatch on the name the helper runs as (see helper.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

int fail_errno(const char *name, const char *what, const char *path) {
  int saved = errno;
  fprintf(stderr, "%s: %s %s: %s\n", name, what, path, strerror(saved));
  // As a shell reports it: 127 for a program that is not there, 126 for one that cannot run.
  return saved == ENOENT || saved == ENOTDIR ? 127 : 126;
}

const char *app_dir(void) {
  const char *names[] = {"RELOADABLE_APP_DIR", "CNB_APP_DIR"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const char *value = getenv(names[i]);
    if (value != NULL && *value != '\0') return value;
  }
  return NULL;
}

int find_program(const char *name, char out[PATH_MAX], const char *also_skip) {
  const char *path = getenv("PATH");
  char self[PATH_MAX];
  ssize_t self_length = readlink("/proc/self/exe", self, sizeof self - 1);
  self[self_length > 0 ? self_length : 0] = '\0';
  char skip[PATH_MAX] = "";
  if (also_skip != NULL && realpath(also_skip, skip) == NULL) skip[0] = '\0';
  if (path == NULL) path = "/usr/local/bin:/usr/bin:/bin";
  char *copy = strdup(path);
  if (copy == NULL) return -1;
  int found = -1;
  for (char *dir = strtok(copy, ":"); dir != NULL && found != 0; dir = strtok(NULL, ":")) {
    if (*dir == '\0' || strcmp(dir, "/cnb/process") == 0 || strcmp(dir, "/cnb/lifecycle") == 0) continue;
    if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX || access(out, X_OK) != 0) continue;
    char resolved[PATH_MAX];
    if (realpath(out, resolved) == NULL) continue;
    const char *base = strrchr(resolved, '/');
    base = base != NULL ? base + 1 : resolved;
    if (strcmp(base, "launcher") == 0 || strcmp(resolved, self) == 0 || strcmp(resolved, skip) == 0) continue;
    found = 0;
  }
  free(copy);
  return found;
}

int main(int argc, char **argv) {
  const char *slash = strrchr(argv[0], '/');
  const char *name = slash != NULL ? slash + 1 : argv[0];
  if (strcmp(name, "reloadable-init") == 0) return init_main(argc, argv);
  if (strcmp(name, "reloadable-exec") == 0) return exec_main(argc, argv);
  if (strcmp(name, "reloadable-settle") == 0) return settle_main(argc, argv);
  if (strcmp(name, "reloadable-tar") == 0) return tar_main(argc, argv);
  if (strcmp(name, "reloadable-trigger") == 0) return trigger_main(argc, argv);
  if (strcmp(name, "reloadable-tool") == 0) return tool_main(argc, argv);
  fprintf(stderr, "reloadable-helper: run it through a link named reloadable-init, -exec, -settle, -tar, -trigger or -tool, not as %s\n", name);
  return 2;
}
