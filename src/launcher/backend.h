/* Starting the backend under the user's identity, and stopping its process group. */
#ifndef SM_BACKEND_H
#define SM_BACKEND_H

#include "pam_auth.h"

#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

struct sm_spawn {
    const struct sm_account *account;
    const char *cwd;        /* NULL or "": the account's home */
    char *const *argv;      /* argv[0]: absolute path, or a name looked up in the env's PATH */
    char *const *envp;      /* the complete, clean environment */
    /* What the launcher changed for itself and the session must not inherit: its umask (077)
     * and its core-file limit (0, for the password it holds). */
    mode_t umask;
    struct rlimit core_limit;
};

/* Forks and execs. On success returns 0 and the pid (= pgid = sid of the new session). On
 * failure (including the exec itself, reported back through a close-on-exec pipe) returns -1
 * with err naming the program or the step that failed; no child is left. */
int sm_backend_spawn(const struct sm_spawn *s, pid_t *pid, char *err, size_t errlen);

#endif
