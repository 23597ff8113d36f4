/* sm-launcher: the per-session helper of the SessionManager daemon.
 *
 * The daemon must never fork, and must not open PAM sessions in its own process (pam_systemd
 * would move it into the user's session, and a PAM module that hangs or crashes would take it
 * down). So each logon attempt gets one sm-launcher, started as root with
 *     sm-launcher --socket PATH [--connect-deadline-ms N] [--stop-timeout-ms N] [--pam-priority idle|N]
 * (the daemon has sm-spawner start it). It creates the control socket PATH (mode 0600, in a root-only directory), prints "ready" on
 * stdout, and serves one daemon connection at a time (peer uid must be its own): AUTHENTICATE
 * with one PAM handle, then START the backend (opening the PAM session with the same handle),
 * supervise it, STOP it, and report EXITED. If the daemon goes away while a backend runs, the
 * launcher keeps supervising and accepts the next connection, which can ask for STATUS: that is
 * how a restarted daemon takes its sessions back. The wire format is in protocol.h.
 *
 * Exit codes: 0 done (backend ended, discarded, daemon gone before a backend ran), 1 failure
 * (socket, no daemon within the deadline), 2 usage.
 */
#include "backend.h"
#include "log.h"
#include "pam_auth.h"
#include "private_socket.h"
#include "protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ENV 512
#define MAX_ERR 512
#define MAX_TIMEOUT_MS 3600000LL

enum state { ST_NEW, ST_AUTHENTICATED, ST_RUNNING, ST_STOPPING, ST_EXITED };
static const char *const state_names[] = {"new", "authenticated", "running", "stopping", "exited"};

static struct {
    enum state state;
    struct sm_auth auth;
    struct sm_account account; /* whom the backend runs as */
    pid_t pid;                 /* backend = its process group = its session */
    int exit_code, exit_signal;
    int listen_fd, client_fd, sig_fd;
    long long kill_at_ms, give_up_at_ms; /* 0: none */
    long long connect_deadline_ms, stop_timeout_ms;
    int pam_idle;       /* --pam-priority idle: SCHED_IDLE until authentication is over */
    long long pam_nice; /* --pam-priority N: this niceness until then (0: none) */
    long long requests; /* requests handled, over all connections */
    int terminating;    /* SIGTERM: stop the backend and end, with no daemon to wait for */
    const char *socket_path;
    struct rlimit core_limit; /* as inherited, for the backend (the launcher's own is 0) */
    mode_t session_umask;     /* the backend's: 022, or what the PAM session set (pam_umask) */
} g;

static struct sm_reader reader;
static struct sm_writer writer;
static unsigned char payload[SM_MAX_PAYLOAD];

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void __attribute__((noreturn)) finish(int code)
{
    sm_auth_end(&g.auth);
    if (g.socket_path != NULL)
        unlink(g.socket_path);
    exit(code);
}

static void reply_failed(const char *reason)
{
    sm_writer_begin(&writer, SM_REP_FAILED);
    sm_writer_str(&writer, reason);
    if (g.client_fd >= 0)
        (void)sm_writer_send(&writer, g.client_fd);
}

static void reply_done(void)
{
    sm_writer_begin(&writer, SM_REP_DONE);
    if (g.client_fd >= 0)
        (void)sm_writer_send(&writer, g.client_fd);
}

static void send_exited(void)
{
    sm_writer_begin(&writer, SM_EVT_EXITED);
    sm_writer_long(&writer, g.exit_code);
    sm_writer_long(&writer, g.exit_signal);
    (void)sm_writer_send(&writer, g.client_fd);
}

/* Strictly a decimal in [min, max]; the daemon is trusted, but a bad number must not wrap. */
static int parse_long(const char *s, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static void begin_stop(long long timeout_ms)
{
    if (g.state == ST_RUNNING) {
        kill(-g.pid, SIGTERM);
        g.state = ST_STOPPING;
        g.kill_at_ms = now_ms() + timeout_ms;
        sm_log("stopping backend %d: SIGTERM to its process group, SIGKILL in %lld ms", (int)g.pid, timeout_ms);
    }
}

/* From start until authentication is over the launcher runs at the PAM priority: password
 * hashing is the CPU-heavy part of a logon, and below the daemon (in the same scheduling group,
 * see main) it leaves the daemon the CPU it needs to dispatch the other logons.
 *   N (0-19; the daemon's default is 0, nothing changed): niceness N. Less CPU share, but not
 *     less latency: under EEVDF a nice-19 task woken by the daemon still took the daemon
 *     thread's CPU for a whole slice (measured).
 *   idle: SCHED_IDLE. Such a task never preempts the daemon on waking and is preempted the
 *     moment a daemon thread wakes; it gets what the daemon's group leaves.
 * It waits for its first request already so: a launcher woken from the pool at the normal
 * priority takes the CPU of the daemon thread that woke it (the wake-up lands on the waker's
 * CPU). */
static void enter_pam_priority(void)
{
    if (g.pam_idle) {
        struct sched_param none = {0};
        if (sched_setscheduler(0, SCHED_IDLE, &none) != 0)
            sm_log("cannot run PAM at SCHED_IDLE: %s", strerror(errno));
    } else if (g.pam_nice != 0) {
        (void)setpriority(PRIO_PROCESS, 0, (int)g.pam_nice);
    }
}

/* Back to SCHED_OTHER at niceness 0 (root may) once authentication is over: the PAM session and
 * the backend it forks run at the normal priority. Idempotent. */
static void leave_pam_priority(void)
{
    if (g.pam_idle) {
        struct sched_param none = {0};
        (void)sched_setscheduler(0, SCHED_OTHER, &none);
        g.pam_idle = 0;
    }
    if (g.pam_nice != 0) {
        (void)setpriority(PRIO_PROCESS, 0, 0);
        g.pam_nice = 0;
    }
}

/* ---- requests ------------------------------------------------------------------------- */

static void on_authenticate(const struct sm_message *m)
{
    char err[MAX_ERR];
    if (m->nfields != 5) {
        reply_failed("AUTHENTICATE needs service, user, password, rhost, tty");
        return;
    }
    if (g.state != ST_NEW || g.auth.pamh != NULL) {
        reply_failed("already authenticated");
        return;
    }
    /* Still at the PAM priority since start (enter_pam_priority). */
    int auth_rc = sm_auth_authenticate(&g.auth, m->fields[0], m->fields[1], m->fields[2], m->fields[3], m->fields[4],
                                       err, sizeof err);
    leave_pam_priority();
    if (auth_rc != 0) {
        sm_log("%s (user %s, service %s)", err, m->fields[1], m->fields[0]);
        reply_failed(err);
        return;
    }
    g.state = ST_AUTHENTICATED;
    const struct sm_account *a = &g.auth.account;
    sm_writer_begin(&writer, SM_REP_AUTH_OK);
    sm_writer_str(&writer, a->name);
    sm_writer_long(&writer, a->uid);
    sm_writer_long(&writer, a->gid);
    sm_writer_str(&writer, a->home);
    sm_writer_str(&writer, a->shell);
    sm_writer_long(&writer, a->ngroups);
    for (int i = 0; i < a->ngroups; i++)
        sm_writer_long(&writer, a->groups[i]);
    (void)sm_writer_send(&writer, g.client_fd);
}

/* Adds NAME=value to env, replacing an earlier entry of the same name (later sources win). */
static int env_put(char **env, size_t *n, char *entry)
{
    const char *eq = strchr(entry, '=');
    if (eq == NULL || eq == entry)
        return -1;
    size_t nl = (size_t)(eq - entry) + 1;
    for (size_t i = 0; i < *n; i++) {
        if (strncmp(env[i], entry, nl) == 0) {
            env[i] = entry;
            return 0;
        }
    }
    if (*n + 1 >= MAX_ENV)
        return -1;
    env[(*n)++] = entry;
    env[*n] = NULL;
    return 0;
}

static void on_start(const struct sm_message *m)
{
    static char base[5][4200];
    static char *env[MAX_ENV];
    static char *argv[SM_MAX_FIELDS + 1];
    char err[MAX_ERR];
    long long argc, envc, open_pam;
    size_t nenv = 0;
    char **pam_env = NULL;

    if (m->nfields < 5 || parse_long(m->fields[1], 0, 1, &open_pam) != 0 ||
        parse_long(m->fields[3], 1, SM_MAX_FIELDS, &argc) != 0 || (size_t)argc + 5 > m->nfields ||
        parse_long(m->fields[4 + argc], 0, MAX_ENV, &envc) != 0 || (size_t)(5 + argc + envc) != m->nfields) {
        reply_failed("START needs run_as, open_pam_session, cwd, argc, argv..., envc, env...");
        return;
    }
    const char *run_as = m->fields[0];
    if (g.state != ST_NEW && g.state != ST_AUTHENTICATED) {
        reply_failed("a backend was already started");
        return;
    }
    if (run_as[0] == '\0') {
        if (g.state != ST_AUTHENTICATED) {
            reply_failed("START as the authenticated user needs a successful AUTHENTICATE first");
            return;
        }
        g.account = g.auth.account;
    } else {
        if (open_pam) {
            reply_failed("a PAM session is opened only for the authenticated user");
            return;
        }
        if (sm_account_lookup(run_as, &g.account, err, sizeof err) != 0) {
            reply_failed(err);
            return;
        }
    }

    /* A login's usual umask, unless a module of the PAM session (pam_umask) sets another: the
     * launcher's own 077 is for its sockets, not for the user's files. */
    g.session_umask = 022;
    if (open_pam) {
        umask(g.session_umask);
        int opened = sm_auth_open_session(&g.auth, err, sizeof err);
        g.session_umask = umask(077);
        if (opened != 0) {
            sm_log("%s (user %s)", err, g.account.name);
            reply_failed(err);
            finish(0);
        }
        /* With the groups PAM added at pam_setcred (pam_group). */
        g.account = g.auth.account;
        pam_env = pam_getenvlist(g.auth.pamh);
    } else {
        sm_auth_forget_password(&g.auth);
    }

    /* The clean environment: the account, then PAM's (e.g. XDG_RUNTIME_DIR), then what the
     * daemon passes (OGON_*); a later source replaces an earlier variable of the same name. */
    env[0] = NULL;
    snprintf(base[0], sizeof base[0], "USER=%s", g.account.name);
    snprintf(base[1], sizeof base[1], "LOGNAME=%s", g.account.name);
    snprintf(base[2], sizeof base[2], "HOME=%s", g.account.home);
    snprintf(base[3], sizeof base[3], "SHELL=%s", g.account.shell);
    snprintf(base[4], sizeof base[4], "PATH=%s",
             g.account.uid == 0 ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" : "/usr/local/bin:/usr/bin:/bin");
    for (int i = 0; i < 5; i++)
        env_put(env, &nenv, base[i]);
    for (char **p = pam_env; p != NULL && *p != NULL; p++) {
        if (env_put(env, &nenv, *p) != 0) {
            reply_failed("PAM environment too large or malformed");
            finish(0);
        }
    }
    for (long long i = 0; i < envc; i++) {
        if (env_put(env, &nenv, (char *)m->fields[5 + argc + i]) != 0) {
            reply_failed("environment entries must be NAME=value, at most 510 in all");
            finish(0);
        }
    }
    for (long long i = 0; i < argc; i++)
        argv[i] = (char *)m->fields[4 + i];
    argv[argc] = NULL;
    if (argv[0][0] == '\0') {
        reply_failed("START needs a program");
        finish(0);
    }

    struct sm_spawn spawn = {.account = &g.account, .cwd = m->fields[2], .argv = argv, .envp = env,
                             .umask = g.session_umask, .core_limit = g.core_limit};
    pid_t pid;
    if (sm_backend_spawn(&spawn, &pid, err, sizeof err) != 0) {
        sm_log("%s", err);
        reply_failed(err);
        finish(0); /* closes the PAM session: nothing is left to supervise */
    }
    g.pid = pid;
    g.state = ST_RUNNING;
    sm_log("backend %s started as %s (uid %d), pid %d", argv[0], g.account.name, (int)g.account.uid, (int)pid);

    sm_writer_begin(&writer, SM_REP_STARTED);
    sm_writer_long(&writer, pid);
    sm_writer_long(&writer, pid); /* it called setsid(): pgid = sid = pid */
    long long npam = 0;
    for (char **p = pam_env; p != NULL && *p != NULL; p++)
        npam++;
    sm_writer_long(&writer, npam);
    for (char **p = pam_env; p != NULL && *p != NULL; p++)
        sm_writer_str(&writer, *p);
    (void)sm_writer_send(&writer, g.client_fd);
    for (char **p = pam_env; p != NULL && *p != NULL; p++)
        free(*p);
    free(pam_env);
}

static void on_stop(const struct sm_message *m)
{
    long long timeout;
    if (m->nfields != 1 || parse_long(m->fields[0], 0, MAX_TIMEOUT_MS, &timeout) != 0) {
        reply_failed("STOP needs a timeout in ms, 0-3600000");
        return;
    }
    switch (g.state) {
    case ST_NEW:
    case ST_AUTHENTICATED:
        reply_done();
        finish(0);
    case ST_RUNNING:
        begin_stop(timeout);
        break;
    case ST_STOPPING:
        if (now_ms() + timeout < g.kill_at_ms)
            g.kill_at_ms = now_ms() + timeout;
        break;
    case ST_EXITED:
        break;
    }
    reply_done();
}

static void on_status(void)
{
    sm_writer_begin(&writer, SM_REP_STATUS);
    sm_writer_str(&writer, state_names[g.state]);
    sm_writer_str(&writer, g.state >= ST_RUNNING ? g.account.name : g.state == ST_AUTHENTICATED ? g.auth.account.name : "");
    sm_writer_long(&writer, g.state >= ST_RUNNING ? g.pid : 0);
    sm_writer_long(&writer, g.state >= ST_RUNNING ? g.pid : 0);
    sm_writer_long(&writer, g.state == ST_EXITED ? g.exit_code : -1);
    sm_writer_long(&writer, g.state == ST_EXITED ? g.exit_signal : 0);
    (void)sm_writer_send(&writer, g.client_fd);
}

static void on_discard(void)
{
    if (g.state == ST_RUNNING || g.state == ST_STOPPING) {
        reply_failed("a backend is running: STOP it");
        return;
    }
    reply_done();
    finish(0);
}

static void handle(const struct sm_message *m)
{
    g.requests++;
    if (m->type != SM_REQ_AUTHENTICATE)
        leave_pam_priority(); /* a greeter's START, a STOP or a STATUS before any authentication */
    switch (m->type) {
    case SM_REQ_AUTHENTICATE: on_authenticate(m); break;
    case SM_REQ_START: on_start(m); break;
    case SM_REQ_STOP: on_stop(m); break;
    case SM_REQ_STATUS: on_status(); break;
    case SM_REQ_DISCARD: on_discard(); break;
    default: reply_failed("unknown request"); break;
    }
}

/* ---- connection, children, signals ---------------------------------------------------- */

static void drop_client(const char *why)
{
    close(g.client_fd);
    g.client_fd = -1;
    explicit_bzero(&reader, sizeof reader);
    explicit_bzero(payload, sizeof payload);
    switch (g.state) {
    case ST_NEW:
    case ST_AUTHENTICATED:
        /* An idle launcher of the daemon's pool, never asked anything, ends without a word: the
         * daemon closed it on purpose (shutdown). */
        if (g.requests > 0)
            sm_log("daemon connection closed (%s) before a backend started: ending", why);
        finish(0);
    case ST_RUNNING:
    case ST_STOPPING:
        sm_log("daemon connection closed (%s): backend %d keeps running, waiting for a new connection", why, (int)g.pid);
        break;
    case ST_EXITED:
        finish(0);
    }
}

static void on_readable(void)
{
    int rc = sm_reader_fill(&reader, g.client_fd);
    if (rc <= 0) {
        drop_client(rc == 0 ? "end of stream" : strerror(errno));
        return;
    }
    size_t len;
    struct sm_message m;
    while ((rc = sm_reader_next(&reader, payload, &len)) == 1) {
        if (sm_parse(payload, len, &m) != 0) {
            explicit_bzero(payload, len);
            drop_client("malformed message");
            return;
        }
        handle(&m);
        explicit_bzero(payload, len); /* the frame may have held the password */
        if (g.client_fd < 0)
            return;
    }
    if (rc < 0)
        drop_client("frame length out of bounds");
}

static void on_connection(void)
{
    int fd = accept4(g.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != geteuid()) {
        sm_log("refused a control connection from uid %d", len == sizeof cred ? (int)cred.uid : -1);
        close(fd);
        return;
    }
    if (g.client_fd >= 0) {
        sm_log("refused a second control connection from pid %d: one daemon at a time", (int)cred.pid);
        close(fd);
        return;
    }
    g.client_fd = fd;
    g.give_up_at_ms = 0;
    if (g.state == ST_EXITED) { /* the exit happened while no daemon listened: report it now */
        send_exited();
        finish(0);
    }
}

static void backend_gone(int status)
{
    if (WIFEXITED(status)) {
        g.exit_code = WEXITSTATUS(status);
        g.exit_signal = 0;
    } else {
        g.exit_code = -1;
        g.exit_signal = WTERMSIG(status);
    }
    sm_log("backend %d ended (exit code %d, signal %d)", (int)g.pid, g.exit_code, g.exit_signal);
    g.state = ST_EXITED;
    g.kill_at_ms = 0;
    sm_auth_end(&g.auth); /* the PAM session ends with its backend, before the daemon hears of it */
    if (g.client_fd >= 0) {
        send_exited();
        finish(0);
    }
    /* Told to end (SIGTERM: the daemon gave up on this logon, or is shutting sessions down): no
     * daemon will ask for the news. Else keep it for a restarted daemon. */
    if (g.terminating)
        finish(0);
    g.give_up_at_ms = now_ms() + g.connect_deadline_ms;
}

static void reap(void)
{
    if (g.state == ST_STOPPING) {
        /* Peek without reaping: while the leader is an unreaped zombie its pid cannot be reused,
         * so SIGKILL to the group reaches only what is left of this backend. */
        siginfo_t si = {0};
        if (waitid(P_PID, (id_t)g.pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == g.pid)
            kill(-g.pid, SIGKILL);
    }
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
        if ((g.state == ST_RUNNING || g.state == ST_STOPPING) && p == g.pid)
            backend_gone(status);
    }
}

static void on_signal(void)
{
    struct signalfd_siginfo si;
    while (read(g.sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGCHLD) {
            reap();
        } else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
            g.terminating = 1;
            if (g.state == ST_NEW || g.state == ST_AUTHENTICATED || g.state == ST_EXITED)
                finish(0);
            begin_stop(g.stop_timeout_ms);
        }
    }
}

static void on_deadlines(void)
{
    long long now = now_ms();
    if (g.kill_at_ms != 0 && now >= g.kill_at_ms) {
        sm_log("backend %d still running after the stop timeout: SIGKILL to its process group", (int)g.pid);
        kill(-g.pid, SIGKILL);
        g.kill_at_ms = 0;
    }
    if (g.give_up_at_ms != 0 && now >= g.give_up_at_ms && g.client_fd < 0) {
        sm_log("no daemon connected within %lld ms: ending", g.connect_deadline_ms);
        finish(g.state == ST_EXITED ? 0 : 1);
    }
}

static int listen_on(const char *path)
{
    char why[256];
    int fd = sm_listen_private(path, 4, why, sizeof why);
    if (fd < 0)
        sm_log("%s", why);
    return fd;
}

static void __attribute__((noreturn)) usage(void)
{
    fprintf(stderr, "usage: sm-launcher --socket PATH [--connect-deadline-ms N] [--stop-timeout-ms N] [--pam-priority idle|N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    /* The password passes through this process: no core file, no ptrace by others. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (getrlimit(RLIMIT_CORE, &g.core_limit) != 0)
        g.core_limit = (struct rlimit){0, RLIM_INFINITY};
    /* The soft limit only: the backend gets the inherited one back without needing
     * CAP_SYS_RESOURCE (a container's root may lack it), and non-dumpable already means no core. */
    struct rlimit nocore = {0, g.core_limit.rlim_max};
    setrlimit(RLIMIT_CORE, &nocore);
    umask(077);
    /* Own process group: on an authentication timeout the daemon kills the group, which takes
     * along whatever a hung PAM module forked (pam_exec); no signal for the daemon's group (a
     * Ctrl-C at its terminal) reaches it. Not its own session: Linux schedules by session
     * ("autogroups", kernel.sched_autogroup_enabled, on by default), and a session of its own
     * would weigh this launcher's password hashing as much as the daemon's whole group, whatever
     * its niceness; in the daemon's session, --pam-priority orders it below the daemon (as a cgroup
     * with the cpu controller does under systemd). The backend gets its own session. */
    (void)setpgid(0, 0);
    close_range(3, ~0U, 0); /* nothing inherited from the daemon beyond stdio */

    g.client_fd = g.listen_fd = g.sig_fd = -1;
    g.connect_deadline_ms = 30000;
    g.stop_timeout_ms = 5000;
    const char *socket_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
            socket_path = argv[++i];
        else if (strcmp(argv[i], "--connect-deadline-ms") == 0 && i + 1 < argc)
            { if (parse_long(argv[++i], 1, MAX_TIMEOUT_MS, &g.connect_deadline_ms) != 0) usage(); }
        else if (strcmp(argv[i], "--stop-timeout-ms") == 0 && i + 1 < argc)
            { if (parse_long(argv[++i], 0, MAX_TIMEOUT_MS, &g.stop_timeout_ms) != 0) usage(); }
        else if (strcmp(argv[i], "--pam-priority") == 0 && i + 1 < argc) {
            if (strcmp(argv[++i], "idle") == 0)
                g.pam_idle = 1;
            else if (parse_long(argv[i], 0, 19, &g.pam_nice) != 0)
                usage();
        }
        else
            usage();
    }
    if (socket_path == NULL)
        usage();

    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull >= 0) {
        dup2(devnull, 0);
        close(devnull);
    }
    signal(SIGPIPE, SIG_IGN); /* a dead spawner's stderr pipe must not kill the supervisor */
    signal(SIGHUP, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    g.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (g.sig_fd < 0 || (g.listen_fd = listen_on(socket_path)) < 0)
        return 1;
    g.socket_path = socket_path;
    g.give_up_at_ms = now_ms() + g.connect_deadline_ms;
    enter_pam_priority();

    /* The daemon waits for this line before connecting; stdout is not used again. */
    fputs("ready\n", stdout);
    fflush(stdout);
    int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (out >= 0) {
        dup2(out, 1);
        close(out);
    }

    for (;;) {
        struct pollfd fds[3] = {
            {.fd = g.sig_fd, .events = POLLIN},
            {.fd = g.listen_fd, .events = POLLIN},
            {.fd = g.client_fd, .events = POLLIN}, /* ignored by poll while -1 */
        };
        long long next = 0;
        if (g.kill_at_ms != 0)
            next = g.kill_at_ms;
        if (g.give_up_at_ms != 0 && (next == 0 || g.give_up_at_ms < next))
            next = g.give_up_at_ms;
        int timeout = -1;
        if (next != 0) {
            long long d = next - now_ms();
            timeout = d < 0 ? 0 : d > INT_MAX ? INT_MAX : (int)d;
        }
        if (poll(fds, 3, timeout) < 0 && errno != EINTR) {
            sm_log("poll: %s", strerror(errno));
            finish(1);
        }
        if (fds[0].revents & POLLIN)
            on_signal();
        if (fds[1].revents & POLLIN)
            on_connection();
        if (g.client_fd >= 0 && fds[2].fd == g.client_fd && (fds[2].revents & (POLLIN | POLLHUP | POLLERR)))
            on_readable();
        on_deadlines();
    }
}
