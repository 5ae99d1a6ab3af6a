/*
 * `docker cp` writes what it copies as root (0755 dirs, 0644 files), and in a copied tree it
 * makes even existing directories root's. The app's user then cannot write there: a later tar
 * sync fails ("Cannot open: Permission denied" / "File exists") and the app cannot write its
 * files. Without root, the only way back is to replace such entries with copies the user owns:
 * - a file the user cannot write, in a directory it can: copied, and the copy renamed over it;
 * - a directory the user cannot write, in one it can: copied whole, and the copy swapped in
 *   (renameat2 RENAME_EXCHANGE, so the path never disappears). The original can only be renamed
 *   in place, never emptied (its entries are root's), so it stays beside the copy, hidden, as
 *   `.reloadable-replaced-<name>-<n>` (the default ignores skip it; root can delete it), unless
 *   it was empty.
 * Entries the user owns, or can write through its group, are left alone; node_modules and .git
 * are not walked (no sync tool copies them in, and they can be huge). Times are kept.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static int writable(const char *path) { return access(path, W_OK) == 0; }

/* snprintf into a PATH_MAX buffer; 0, or -1 when the path would not fit (then it is skipped). */
__attribute__((format(printf, 2, 3))) static int path_printf(char out[PATH_MAX], const char *format, ...) {
  va_list args;
  va_start(args, format);
  int length = vsnprintf(out, PATH_MAX, format, args);
  va_end(args);
  return length < 0 || length >= PATH_MAX ? -1 : 0;
}

/* A copy is writable by the user and its group, as the build leaves the app dir. */
static mode_t copy_mode(mode_t mode, int directory) { return (mode & 07777 & ~(mode_t)06000) | (directory ? 0770 : 0660); }

static int copy_file(const char *from, const char *to, mode_t mode, const struct stat *source) {
  int in = open(from, O_RDONLY | O_CLOEXEC);
  if (in < 0) return -1;
  int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    close(in);
    return -1;
  }
  char buffer[65536];
  int result = 0;
  for (;;) {
    ssize_t got = read(in, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      result = -1;
      break;
    }
    if (got == 0) break;
    for (ssize_t done = 0; done < got;) {
      ssize_t n = write(out, buffer + done, (size_t)(got - done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        result = -1;
        break;
      }
      done += n;
    }
    if (result != 0) break;
  }
  close(in);
  if (fchmod(out, mode) != 0) result = -1;
  // Keep the times: a build tool deciding what is stale by mtime must see the same file.
  struct timespec times[2] = {source->st_atim, source->st_mtim};
  futimens(out, times);
  if (close(out) != 0) result = -1;
  return result;
}

/* Copies the tree at `from` (a directory) to the new directory `to`, as the current user. */
static int copy_tree(const char *from, const char *to, mode_t mode) {
  if (mkdir(to, 0700) != 0) return -1;
  DIR *dir = opendir(from);
  if (dir == NULL) return -1;
  int result = 0;
  struct dirent *entry;
  while (result == 0 && (entry = readdir(dir)) != NULL) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    char source[PATH_MAX], target[PATH_MAX];
    struct stat info;
    if (path_printf(source, "%s/%s", from, entry->d_name) != 0 || path_printf(target, "%s/%s", to, entry->d_name) != 0) result = -1;
    else if (lstat(source, &info) != 0) result = -1;
    else if (S_ISDIR(info.st_mode)) result = copy_tree(source, target, copy_mode(info.st_mode, 1));
    else if (S_ISREG(info.st_mode)) result = copy_file(source, target, copy_mode(info.st_mode, 0), &info);
    else if (S_ISLNK(info.st_mode)) {
      char link[PATH_MAX];
      ssize_t length = readlink(source, link, sizeof link - 1);
      if (length < 0) result = -1;
      else {
        link[length] = '\0';
        result = symlink(link, target);
      }
    }
  }
  closedir(dir);
  if (result == 0 && chmod(to, mode) != 0) result = -1;
  return result;
}

/* Removes a tree this process made (a copy that failed half way). */
static void remove_tree(const char *path) {
  DIR *dir = opendir(path);
  if (dir != NULL) {
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
      if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
      char child[PATH_MAX];
      struct stat info;
      if (path_printf(child, "%s/%s", path, entry->d_name) != 0) continue;
      if (lstat(child, &info) == 0 && S_ISDIR(info.st_mode)) remove_tree(child);
      else unlink(child);
    }
    closedir(dir);
  }
  rmdir(path);
}

static void split(const char *path, char parent[PATH_MAX], const char **name) {
  const char *slash = strrchr(path, '/');
  if (slash == NULL) {
    strcpy(parent, ".");
    *name = path;
  } else {
    snprintf(parent, PATH_MAX, "%.*s", (int)(slash == path ? 1 : slash - path), path);
    *name = slash + 1;
  }
}

static void replace_file(const char *path, const struct stat *info, const char *who) {
  char parent[PATH_MAX], temp[PATH_MAX];
  const char *name;
  split(path, parent, &name);
  if (path_printf(temp, "%s/.reloadable-copy-%s-%d", parent, name, (int)getpid()) != 0) return;
  if (copy_file(path, temp, copy_mode(info->st_mode, 0), info) != 0 || rename(temp, path) != 0) {
    fprintf(stderr, "%s: %s belongs to uid %d and cannot be replaced: %s\n", who, path, (int)info->st_uid, strerror(errno));
    unlink(temp);
  }
}

static void replace_dir(const char *path, const struct stat *info, const char *who) {
  char parent[PATH_MAX], temp[PATH_MAX];
  const char *name;
  split(path, parent, &name);
  if (path_printf(temp, "%s/.reloadable-copy-%s-%d", parent, name, (int)getpid()) != 0) return;
  if (copy_tree(path, temp, copy_mode(info->st_mode, 1)) != 0) {
    fprintf(stderr, "%s: %s belongs to uid %d and could not be copied: %s\n", who, path, (int)info->st_uid, strerror(errno));
    remove_tree(temp);
    return;
  }
  if (syscall(SYS_renameat2, AT_FDCWD, temp, AT_FDCWD, path, RENAME_EXCHANGE) != 0) {
    fprintf(stderr, "%s: cannot swap a copy in for %s: %s\n", who, path, strerror(errno));
    remove_tree(temp);
    return;
  }
  // `temp` now names the root-owned original.
  if (rmdir(temp) == 0) return;
  for (int n = 1; n < 1000; n++) {
    char husk[PATH_MAX];
    if (path_printf(husk, "%s/.reloadable-replaced-%s-%d", parent, name, n) != 0) return;
    if (access(husk, F_OK) == 0) continue;
    if (rename(temp, husk) == 0) {
      fprintf(stderr, "%s: %s belonged to uid %d (docker cp makes what it copies root's): replaced by a copy this user owns; the original stays at %s\n", who, path, (int)info->st_uid, husk);
    }
    return;
  }
}

static void walk(const char *dir, const char *who, uid_t self) {
  DIR *handle = opendir(dir);
  if (handle == NULL) return;
  int dir_writable = writable(dir);
  struct dirent *entry;
  while ((entry = readdir(handle)) != NULL) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    if (strncmp(entry->d_name, ".reloadable-replaced-", 21) == 0 || strncmp(entry->d_name, ".reloadable-copy-", 17) == 0) continue;
    char path[PATH_MAX];
    struct stat info;
    if (path_printf(path, "%s/%s", dir, entry->d_name) != 0 || lstat(path, &info) != 0) continue;
    int foreign = info.st_uid != self && !writable(path);
    if (S_ISDIR(info.st_mode)) {
      if (foreign && dir_writable) replace_dir(path, &info, who);
      // Trees no sync tool copies in and that can be huge: not walked on every sync.
      else if (strcmp(entry->d_name, "node_modules") != 0 && strcmp(entry->d_name, ".git") != 0) walk(path, who, self);
    } else if (S_ISREG(info.st_mode) && foreign && dir_writable) {
      replace_file(path, &info, who);
    }
  }
  closedir(handle);
}

void repair_foreign_tree(const char *root, const char *who) {
  uid_t self = getuid();
  if (self == 0) return;
  walk(root, who, self);
}
