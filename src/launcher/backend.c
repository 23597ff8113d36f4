/* Spawning the backend; see backend.h. The launcher is single-threaded, so the child may call
 * anything between fork and exec; it still calls only system calls, no NSS and no malloc. */
#include "backend.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the child reports through the pipe when a step fails: the step and errno. */
struct child_failure {
    int step;
    int error;
};

enum { STEP_SETSID = 1, STEP_LIMITS, STEP_SETGID, STEP_SETGROUPS, STEP_SETUID, STEP_VERIFY, STEP_STDIO, STEP_EXEC };

static const char *step_name(int step)
{
    switch (step) {
    case STEP_SETSID: return "setsid";
    case STEP_LIMITS: return "setrlimit(RLIMIT_CORE)";
    case STEP_SETGID: return "setgid";
    case STEP_SETGROUPS: return "setgroups";
    case STEP_SETUID: return "setuid";
    case STEP_VERIFY: return "identity check";
    case STEP_STDIO: return "opening /dev/null";
    default: return "exec";
    }
}

static const char *env_path(char *const *envp)
{
    for (; *envp != NULL; envp++)
        if (strncmp(*envp, "PATH=", 5) == 0)
            return *envp + 5;
    return "/usr/bin:/bin";
}

/* execve, or a PATH search like execvpe but over the backend's own PATH, not the launcher's. */
static void exec_program(char *const *argv, char *const *envp)
{
    if (strchr(argv[0], '/') != NULL) {
        execve(argv[0], argv, envp);
        return;
    }
    const char *p = env_path(envp);
    int saved = ENOENT;
    char full[4096];
    while (*p != '\0') {
        const char *end = strchrnul(p, ':');
        size_t dlen = (size_t)(end - p);
        if (dlen > 0 && dlen + 1 + strlen(argv[0]) < sizeof full) {
            memcpy(full, p, dlen);
            full[dlen] = '/';
            strcpy(full + dlen + 1, argv[0]);
            execve(full, argv, envp);
            if (errno != ENOENT && errno != ENOTDIR)
                saved = errno;
        }
        p = *end ? end + 1 : end;
    }
    errno = saved;
}

static void __attribute__((noreturn)) child(const struct sm_spawn *s, int report)
{
    struct child_failure f = {0, 0};
    const struct sm_account *a = s->account;

    /* The launcher blocks signals for its signalfd and ignores SIGPIPE; the backend starts with
     * the defaults. */
    sigset_t none;
    sigemptyset(&none);
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL); /* fails harmlessly for SIGKILL, SIGSTOP and the RT gaps */
    sigprocmask(SIG_SETMASK, &none, NULL);

    if (setsid() < 0) { f.step = STEP_SETSID; goto fail; }
    /* The launcher lowered only its soft core limit: this raises it back within the hard one. */
    if (setrlimit(RLIMIT_CORE, &s->core_limit) != 0) { f.step = STEP_LIMITS; goto fail; }
    umask(s->umask);
    /* Order matters: groups while still root, uid last. */
    if (setgid(a->gid) != 0) { f.step = STEP_SETGID; goto fail; }
    if (setgroups((size_t)a->ngroups, a->groups) != 0) { f.step = STEP_SETGROUPS; goto fail; }
    if (setuid(a->uid) != 0) { f.step = STEP_SETUID; goto fail; }
    if (getuid() != a->uid || geteuid() != a->uid || getgid() != a->gid || getegid() != a->gid ||
        (a->uid != 0 && setuid(0) == 0)) {
        errno = EPERM;
        f.step = STEP_VERIFY;
        goto fail;
    }
    const char *dir = (s->cwd != NULL && s->cwd[0] != '\0') ? s->cwd : a->home;
    if (chdir(dir) != 0) {
        /* A missing home must not stop the session (a desktop still starts); say so. */
        fprintf(stderr, "sm-launcher: backend: cannot enter %s (%s), starting in /\n", dir, strerror(errno));
        if (chdir("/") != 0) { f.step = STEP_VERIFY; goto fail; }
    }
    /* The backend's output does not go to the daemon's pipe (it would break when the daemon
     * restarts, and a chatty backend would flood the daemon's log). */
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0) {
        f.step = STEP_STDIO;
        goto fail;
    }
    /* Every other descriptor (control socket, listening socket, signalfd, PAM's) is closed; the
     * report pipe is close-on-exec and closes itself at exec. */
    if (report > 3)
        close_range(3, (unsigned)report - 1, 0);
    close_range((unsigned)report + 1, ~0U, 0);
    exec_program(s->argv, s->envp);
    f.step = STEP_EXEC;
fail:
    f.error = errno;
    (void)!write(report, &f, sizeof f);
    _exit(127);
}

int sm_backend_spawn(const struct sm_spawn *s, pid_t *pid, char *err, size_t errlen)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t p = fork();
    if (p < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (p == 0) {
        close(pipefd[0]);
        child(s, pipefd[1]);
    }
    close(pipefd[1]);
    struct child_failure f;
    ssize_t n;
    do
        n = read(pipefd[0], &f, sizeof f);
    while (n < 0 && errno == EINTR);
    close(pipefd[0]);
    if (n == 0) { /* EOF: the pipe closed at a successful exec */
        *pid = p;
        return 0;
    }
    int st;
    while (waitpid(p, &st, 0) < 0 && errno == EINTR) {
    }
    if (n != (ssize_t)sizeof f)
        snprintf(err, errlen, "backend child failed before exec");
    else if (f.step == STEP_EXEC && (f.error == ENOENT || f.error == ENOTDIR))
        snprintf(err, errlen, "program not found: %s", s->argv[0]);
    else if (f.step == STEP_EXEC)
        snprintf(err, errlen, "cannot execute %s: %s", s->argv[0], strerror(f.error));
    else
        snprintf(err, errlen, "starting %s as %s failed at %s: %s", s->argv[0], s->account->name,
                 step_name(f.step), strerror(f.error));
    return -1;
}
