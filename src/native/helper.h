/*
 * reloadable-helper: the programs Reloadable puts between the launcher and the app, in one static
 * binary (no libc or shell needed on the run image), picked by the name it runs as:
 *   reloadable-init   stays PID 1 in a container and runs watchexec as its child (init.c)
 *   reloadable-exec   runs a native program from a memory copy (exec.c)
 *   reloadable-settle waits until a sync has ended before the app starts (settle.c)
 *   reloadable-tar    the image's `tar` process: tar as the run user into the build user's dir (tar.c)
 *   reloadable-trigger writes the trigger file that ends a sync in trigger mode (trigger.c)
 *   reloadable-tool   the image's sh/rm/date processes: the run image's own, else busybox's (tool.c)
 */

#include <limits.h>
#ifndef RELOADABLE_HELPER_H
#define RELOADABLE_HELPER_H

int init_main(int argc, char **argv);
int exec_main(int argc, char **argv);
int settle_main(int argc, char **argv);
int tar_main(int argc, char **argv);
int trigger_main(int argc, char **argv);
int tool_main(int argc, char **argv);

/*
 * The first executable `name` on PATH that is neither a launcher link (/cnb/process, the
 * process types of the image, come first on its PATH) nor this helper nor `also_skip`: the run
 * image's own program. 0 when found (its path in `out`), -1 otherwise.
 */
int find_program(const char *name, char out[PATH_MAX], const char *also_skip);

/*
 * The app dir, as the build wrote it into the helpers layer's launch env (the launcher does not
 * pass CNB_APP_DIR on to the process); NULL when unknown.
 */
const char *app_dir(void);

/* Replaces what the current user cannot write under `root` with copies it owns (repair.c). */
void repair_foreign_tree(const char *root, const char *who);

/* Prints "<name>: <what> <path>: <strerror(errno)>"; returns 127 (not found) or 126 (cannot run), as shells do. */
int fail_errno(const char *name, const char *what, const char *path);

#endif
