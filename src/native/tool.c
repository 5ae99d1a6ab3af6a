/*
 * reloadable-tool BUSYBOX NAME [ARG...]
 *
 * Declared as the image's `sh`, `rm` and `date` process types, which `docker exec` / `kubectl
 * exec` find first by bare name (the image's PATH starts with /cnb/process): Tilt's live update
 * runs `rm` for deleted files and `sh -c` for run() steps, a trigger step runs `sh` and `date`.
 * It runs the run image's own NAME when it has one, with the same arguments, so the options and
 * output sync clients rely on stay as they are; on a run image without it (Paketo's tiny,
 * distroless) it runs busybox's applet NAME from Reloadable's busybox layer.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "helper.h"

int tool_main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: reloadable-tool BUSYBOX NAME [ARG...]\n");
    return 2;
  }
  const char *busybox = argv[1];
  const char *name = argv[2];
  char program[PATH_MAX];
  // argv[2..] becomes the program's argv: NAME is its argv[0], as a shell would pass it (busybox
  // picks its applet by it).
  if (find_program(name, program, busybox) == 0) {
    execv(program, argv + 2);
    return fail_errno("reloadable-tool", "cannot execute", program);
  }
  execv(busybox, argv + 2);
  return fail_errno("reloadable-tool", "cannot execute", busybox);
}
