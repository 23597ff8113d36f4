/* sm-spawner: starts sm-launchers for the SessionManager daemon, so that the daemon itself
 * creates one process in its life instead of one per logon (.NET's Process.Start runs one
 * fork/exec at a time, and each Process keeps pipes and buffers for as long as it lives).
 *
 *     sm-spawner --socket PATH -- LAUNCHER [ARG...]
 *
 * Run as root by the daemon (Process.Start, once; again if it ends). It listens on the Unix
 * socket PATH (0600, in a directory of its own uid with mode 0700), prints "ready" on stdout,
 * accepts exactly one connection from its own uid, removes PATH and serves that connection until
 * it closes, then exits. SPAWN requests name only a control-socket path and numbers; the program
 * is fixed by the command line, run without a shell and with the environment PATH only. No
 * password ever reaches this process: authentication happens later, between the daemon and the
 * launcher, on the launcher's own socket.
 *
 * For each launcher: stdout and stderr are pipes to this process. "ready" on stdout becomes
 * READY, each stderr line a LOG event, its end (reaped here) CHILD_EXITED, after the lines it
 * wrote before dying. A launcher makes itself a process group at its start: it outlives this
 * process and the daemon (a restarted daemon reaches it on its control socket).
 *
 * Exit codes: 0 the daemon closed the connection (or SIGTERM), 1 failure, 2 usage.
 */
#include "private_socket.h"
#include "protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHILDREN 65536
#define MAX_LINE 1024
#define MAX_LAUNCHER_ARGS 64
#define ACCEPT_DEADLINE_MS 30000

/* One launcher until it is reaped. out_fd closes after "ready" (the launcher writes nothing else
 * there); err_fd lives as long as the launcher. */
struct child {
    pid_t pid;
    int out_fd, err_fd;
    size_t out_len, err_len;
    char out[8];
    char err[MAX_LINE];
};

static struct {
    int listen_fd, client_fd, sig_fd, devnull;
    const char *socket_path;
    char **launcher_argv; /* the fixed program and its leading arguments */
    int launcher_argc;
    struct child *children;
    size_t nchildren, capacity;
} g;

static struct sm_reader reader;
static struct sm_writer writer;
static unsigned char payload[SM_MAX_PAYLOAD];

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Before the daemon is connected this is all it can read (its stderr pipe). */
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("sm-spawner: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
    va_end(ap);
}

static void __attribute__((noreturn)) finish(int code)
{
    if (g.listen_fd >= 0 && g.socket_path != NULL)
        unlink(g.socket_path);
    exit(code);
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A daemon that stops reading for the send timeout is gone as far as we are concerned. */
static void send_or_die(void)
{
    if (sm_writer_send(&writer, g.client_fd) != 0) {
        say("cannot write to the daemon: %s", strerror(errno));
        finish(1);
    }
}

static void send_log(pid_t pid, const char *line)
{
    sm_writer_begin(&writer, SM_EVT_LOG);
    sm_writer_long(&writer, pid);
    sm_writer_str(&writer, line);
    send_or_die();
}

static void reply_spawn_failed(const char *id, const char *reason)
{
    sm_writer_begin(&writer, SM_REP_SPAWN_FAILED);
    sm_writer_str(&writer, id);
    sm_writer_str(&writer, reason);
    send_or_die();
}

/* Decimal digits only, at most 9 of them: the launcher parses and bounds them again. */
static int is_small_number(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 9)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* The control socket must lie directly in our own socket's directory (root-only): a SPAWN
 * cannot make a launcher listen anywhere else. */
static int is_allowed_socket_path(const char *path)
{
    const char *slash = strrchr(g.socket_path, '/');
    size_t dirlen = (size_t)(slash - g.socket_path);
    const char *name = path + dirlen + 1;
    return strlen(path) < sizeof(((struct sockaddr_un *)0)->sun_path) && strncmp(path, g.socket_path, dirlen + 1) == 0 &&
           name[0] != '\0' && name[0] != '.' && strchr(name, '/') == NULL;
}

/* ---- spawning ------------------------------------------------------------------------- */

static void __attribute__((noreturn)) exec_launcher(char **argv, int out_fd, int err_fd)
{
    static char *const env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL); /* SIG_IGN would survive exec */
    /* Launchers (and the backends they fork) run at the normal priority whatever the daemon's
     * (the unit may raise the daemon's); PAM in them goes lower (--pam-priority). */
    (void)setpriority(PRIO_PROCESS, 0, 0);
    if (dup2(g.devnull, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
        _exit(127);
    close_range(3, ~0U, 0);
    execve(argv[0], argv, env);
    dprintf(2, "sm-launcher: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static void on_spawn(const struct sm_message *m)
{
    if (m->nfields != 5) {
        reply_spawn_failed(m->nfields > 0 ? m->fields[0] : "", "SPAWN needs id, socket_path, connect_deadline_ms, stop_timeout_ms, pam_priority");
        return;
    }
    const char *id = m->fields[0];
    if (!is_allowed_socket_path(m->fields[1]) || !is_small_number(m->fields[2]) || !is_small_number(m->fields[3]) ||
        !(is_small_number(m->fields[4]) || strcmp(m->fields[4], "idle") == 0)) {
        reply_spawn_failed(id, "SPAWN: bad socket path (must be in the spawner's directory), number or PAM priority");
        return;
    }
    if (g.nchildren == MAX_CHILDREN) {
        reply_spawn_failed(id, "too many launchers running");
        return;
    }
    if (g.nchildren == g.capacity) {
        size_t cap = g.capacity == 0 ? 64 : g.capacity * 2;
        struct child *c = realloc(g.children, cap * sizeof *c);
        if (c == NULL) {
            reply_spawn_failed(id, "out of memory");
            return;
        }
        g.children = c;
        g.capacity = cap;
    }

    char *argv[MAX_LAUNCHER_ARGS + 12];
    int n = 0;
    for (int i = 0; i < g.launcher_argc; i++)
        argv[n++] = g.launcher_argv[i];
    argv[n++] = "--socket";
    argv[n++] = (char *)m->fields[1];
    argv[n++] = "--connect-deadline-ms";
    argv[n++] = (char *)m->fields[2];
    argv[n++] = "--stop-timeout-ms";
    argv[n++] = (char *)m->fields[3];
    argv[n++] = "--pam-priority";
    argv[n++] = (char *)m->fields[4];
    argv[n] = NULL;

    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0) {
        reply_spawn_failed(id, strerror(errno));
        return;
    }
    if (pipe2(err, O_CLOEXEC) != 0) {
        reply_spawn_failed(id, strerror(errno));
        close(out[0]);
        close(out[1]);
        return;
    }
    pid_t pid = fork();
    if (pid == 0)
        exec_launcher(argv, out[1], err[1]);
    int fork_errno = errno;
    close(out[1]);
    close(err[1]);
    if (pid < 0) {
        close(out[0]);
        close(err[0]);
        reply_spawn_failed(id, strerror(fork_errno));
        return;
    }
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    g.children[g.nchildren++] = (struct child){.pid = pid, .out_fd = out[0], .err_fd = err[0]};

    sm_writer_begin(&writer, SM_REP_SPAWNED);
    sm_writer_str(&writer, id);
    sm_writer_long(&writer, pid);
    send_or_die();
}

/* ---- the launchers' output -------------------------------------------------------------- */

static void flush_line(struct child *c)
{
    c->err[c->err_len] = '\0';
    send_log(c->pid, c->err);
    c->err_len = 0;
}

/* Reads what stderr has; complete lines become LOG events (an over-long line is cut). */
static void read_stderr(struct child *c)
{
    char buf[4096];
    for (;;) {
        ssize_t k = read(c->err_fd, buf, sizeof buf);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                if (c->err_len > 0)
                    flush_line(c);
                close(c->err_fd);
                c->err_fd = -1;
            }
            return;
        }
        for (ssize_t i = 0; i < k; i++) {
            if (buf[i] == '\n') {
                flush_line(c);
            } else {
                c->err[c->err_len++] = buf[i] == '\0' ? ' ' : buf[i];
                if (c->err_len == MAX_LINE - 1)
                    flush_line(c);
            }
        }
    }
}

static void read_stdout(struct child *c)
{
    ssize_t k;
    while ((k = read(c->out_fd, c->out + c->out_len, sizeof c->out - c->out_len)) < 0 && errno == EINTR)
        ;
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (k > 0)
        c->out_len += (size_t)k;
    int ready = c->out_len >= 6 && memcmp(c->out, "ready\n", 6) == 0;
    if (ready || k <= 0 || c->out_len == sizeof c->out) {
        close(c->out_fd);
        c->out_fd = -1;
    }
    if (ready) {
        sm_writer_begin(&writer, SM_EVT_READY);
        sm_writer_long(&writer, c->pid);
        send_or_die();
    }
}

static void reap(void)
{
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < g.nchildren; i++) {
            struct child *c = &g.children[i];
            if (c->pid != p)
                continue;
            /* What it wrote before it died comes first (a PAM helper it left behind may hold
             * the pipe open: take only what is there now). */
            if (c->err_fd >= 0) {
                read_stderr(c);
                if (c->err_len > 0)
                    flush_line(c);
                if (c->err_fd >= 0)
                    close(c->err_fd);
            }
            if (c->out_fd >= 0)
                close(c->out_fd);
            sm_writer_begin(&writer, SM_EVT_CHILD_EXITED);
            sm_writer_long(&writer, p);
            sm_writer_long(&writer, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
            sm_writer_long(&writer, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
            send_or_die();
            g.children[i] = g.children[--g.nchildren];
            break;
        }
    }
}

/* ---- the daemon's connection ------------------------------------------------------------ */

static void on_request(void)
{
    int rc = sm_reader_fill(&reader, g.client_fd);
    if (rc <= 0)
        finish(rc == 0 ? 0 : 1); /* the daemon is gone: so are we; the launchers stay */
    size_t len;
    struct sm_message m;
    while ((rc = sm_reader_next(&reader, payload, &len)) == 1) {
        if (sm_parse(payload, len, &m) != 0) {
            say("malformed request: closing");
            finish(1);
        }
        if (m.type == SM_REQ_SPAWN) {
            on_spawn(&m);
        } else {
            say("unknown request type %d: closing", m.type);
            finish(1);
        }
    }
    if (rc < 0) {
        say("frame length out of bounds: closing");
        finish(1);
    }
}

static void on_connection(void)
{
    int fd = accept4(g.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != geteuid()) {
        say("refused a connection from uid %d", len == sizeof cred ? (int)cred.uid : -1);
        close(fd);
        return;
    }
    /* One daemon, once: nobody else can connect after it. */
    g.client_fd = fd;
    close(g.listen_fd);
    g.listen_fd = -1;
    unlink(g.socket_path);
}

static int listen_on(const char *path)
{
    char why[256];
    int fd = sm_listen_private(path, 1, why, sizeof why);
    if (fd < 0)
        say("%s", why);
    return fd;
}

static void __attribute__((noreturn)) usage(void)
{
    fprintf(stderr, "usage: sm-spawner --socket PATH -- LAUNCHER [ARG...]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    umask(077);
    close_range(3, ~0U, 0);
    if (chdir("/") != 0)
        return 1;
    g.listen_fd = g.client_fd = g.sig_fd = -1;
    if (argc < 5 || strcmp(argv[1], "--socket") != 0 || strcmp(argv[3], "--") != 0 || argv[4][0] != '/' ||
        argc - 4 > MAX_LAUNCHER_ARGS)
        usage();
    g.launcher_argv = argv + 4;
    g.launcher_argc = argc - 4;

    g.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (g.devnull < 0)
        return 1;
    dup2(g.devnull, 0);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    g.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (g.sig_fd < 0 || (g.listen_fd = listen_on(argv[2])) < 0)
        return 1;
    g.socket_path = argv[2];
    long long accept_by = now_ms() + ACCEPT_DEADLINE_MS;

    fputs("ready\n", stdout);
    fflush(stdout);
    dup2(g.devnull, 1);

    struct pollfd *fds = NULL;
    size_t fds_cap = 0;
    for (;;) {
        size_t need = 2 + 2 * g.nchildren;
        if (need > fds_cap) {
            struct pollfd *f = realloc(fds, need * 2 * sizeof *f);
            if (f == NULL) {
                say("out of memory");
                finish(1);
            }
            fds = f;
            fds_cap = need * 2;
        }
        size_t n = 0;
        fds[n++] = (struct pollfd){.fd = g.sig_fd, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = g.client_fd >= 0 ? g.client_fd : g.listen_fd, .events = POLLIN};
        for (size_t i = 0; i < g.nchildren; i++) {
            fds[n++] = (struct pollfd){.fd = g.children[i].out_fd, .events = POLLIN};
            fds[n++] = (struct pollfd){.fd = g.children[i].err_fd, .events = POLLIN};
        }
        int timeout = -1;
        if (g.client_fd < 0) {
            long long d = accept_by - now_ms();
            if (d <= 0) {
                say("no daemon connected within %d ms: ending", ACCEPT_DEADLINE_MS);
                finish(1);
            }
            timeout = d > INT_MAX ? INT_MAX : (int)d;
        }
        if (poll(fds, n, timeout) < 0) {
            if (errno == EINTR)
                continue;
            say("poll: %s", strerror(errno));
            finish(1);
        }
        /* Output first, then exits: a launcher's last lines reach the daemon before its end. */
        for (size_t i = 0; i < g.nchildren; i++) {
            struct child *c = &g.children[i];
            struct pollfd *o = &fds[2 + 2 * i], *e = &fds[3 + 2 * i];
            if (c->out_fd >= 0 && o->fd == c->out_fd && (o->revents & (POLLIN | POLLHUP | POLLERR)))
                read_stdout(c);
            if (c->err_fd >= 0 && e->fd == c->err_fd && (e->revents & (POLLIN | POLLHUP | POLLERR)))
                read_stderr(c);
        }
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(g.sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
                if (si.ssi_signo == SIGCHLD)
                    reap();
                else
                    finish(0);
            }
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (g.client_fd >= 0)
                on_request();
            else
                on_connection();
        }
    }
}
