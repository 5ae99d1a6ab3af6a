/*
 * reloadable-init PROGRAM [ARG...]
 *
 * In a container the launcher execs the process command as PID 1. watchexec as PID 1 switches to
 * its own init mode, which gives the process tree a FIXED 2 s to exit after `docker stop`, then
 * kills it, whatever --stop-timeout says. So this runs first: as PID 1 it starts PROGRAM
 * (watchexec) as its child, forwards every catchable signal to it, reaps orphans, and exits with
 * the child's status once the child has exited. watchexec then stops the app gracefully within
 * --stop-timeout, and only the container runtime's own timeout (docker stop -t) bounds it.
 * Not PID 1 (a host, or a container run with --init), it simply execs PROGRAM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU};

static int exit_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

int init_main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: reloadable-init PROGRAM [ARG...]\n");
    return 2;
  }
  if (getpid() != 1) {
    execvp(argv[1], argv + 1);
    return fail_errno("reloadable-init", "cannot execute", argv[1]);
  }

  // Blocked before the fork, so no signal is lost between fork and sigwaitinfo; the child
  // restores the mask before exec.
  sigset_t handled, previous;
  sigemptyset(&handled);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaddset(&handled, forwarded[i]);
  sigaddset(&handled, SIGCHLD);
  sigprocmask(SIG_BLOCK, &handled, &previous);

  pid_t child = fork();
  if (child < 0) return fail_errno("reloadable-init", "cannot fork to run", argv[1]);
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &previous, NULL);
    execvp(argv[1], argv + 1);
    _exit(fail_errno("reloadable-init", "cannot execute", argv[1]));
  }

  for (;;) {
    siginfo_t info;
    int signal = sigwaitinfo(&handled, &info);
    if (signal < 0) {
      if (errno == EINTR) continue;
      return fail_errno("reloadable-init", "cannot wait for signals while running", argv[1]);
    }
    if (signal != SIGCHLD) {
      kill(child, signal);
      continue;
    }
    // Reap every child that ended: the main one, and orphans re-parented to PID 1.
    for (;;) {
      int status;
      pid_t ended = waitpid(-1, &status, WNOHANG);
      if (ended <= 0) break;
      if (ended == child) return exit_status(status);
    }
  }
}
