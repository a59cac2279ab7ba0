// posix_spawn with what a daemon's child needs and Swift cannot reach from Glibc: glibc's
// posix_spawn_file_actions_addclosefrom_np (a _GNU_SOURCE extension) closes every descriptor above
// the three standard ones in the child, whatever the parent holds open.
#ifndef PATCHPILOT_PROCESS_SPAWN_H
#define PATCHPILOT_PROCESS_SPAWN_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp` (NULL-terminated); the child's standard input, output and
/// error are `in`, `out` and `err` (-1: /dev/null), every other descriptor is closed, every signal
/// has its default action and none is blocked; with `new_group`, the child leads a process group
/// of its own. Returns 0 and the child's pid in `*pid`, or an errno value.
int pp_spawn(const char *path, char *const argv[], char *const envp[], int in, int out, int err,
             int new_group, pid_t *pid);

#endif
