/* Dispatch on the name the helper runs as (see helper.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "helper.h"

int fail_errno(const char *name, const char *what, const char *path) {
  int saved = errno;
  fprintf(stderr, "%s: %s %s: %s\n", name, what, path, strerror(saved));
  return 127;
}

int main(int argc, char **argv) {
  const char *slash = strrchr(argv[0], '/');
  const char *name = slash != NULL ? slash + 1 : argv[0];
  if (strcmp(name, "reloadable-init") == 0) return init_main(argc, argv);
  if (strcmp(name, "reloadable-exec") == 0) return exec_main(argc, argv);
  if (strcmp(name, "reloadable-settle") == 0) return settle_main(argc, argv);
  if (strcmp(name, "reloadable-tar") == 0) return tar_main(argc, argv);
  if (strcmp(name, "reloadable-trigger") == 0) return trigger_main(argc, argv);
  fprintf(stderr, "reloadable-helper: run it through a link named reloadable-init, -exec, -settle, -tar or -trigger, not as %s\n", name);
  return 2;
}
