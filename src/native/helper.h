/*
 * reloadable-helper: the programs Reloadable puts between the launcher and the app, in one static
 * binary (no libc or shell needed on the run image), picked by the name it runs as:
 *   reloadable-init   stays PID 1 in a container and runs watchexec as its child (init.c)
 *   reloadable-exec   runs a native program from a memory copy (exec.c)
 *   reloadable-settle waits until a sync has ended before the app starts (settle.c)
 *   reloadable-tar    the image's `tar` process: tar as the run user into the build user's dir (tar.c)
 *   reloadable-trigger writes the trigger file that ends a sync in trigger mode (trigger.c)
 */
#ifndef RELOADABLE_HELPER_H
#define RELOADABLE_HELPER_H

int init_main(int argc, char **argv);
int exec_main(int argc, char **argv);
int settle_main(int argc, char **argv);
int tar_main(int argc, char **argv);
int trigger_main(int argc, char **argv);

/* Replaces what the current user cannot write under `root` with copies it owns (repair.c). */
void repair_foreign_tree(const char *root, const char *who);

/* Prints "<name>: <what> <path>: <strerror(errno)>" and returns 127 (the shell's "cannot run"). */
int fail_errno(const char *name, const char *what, const char *path);

#endif
