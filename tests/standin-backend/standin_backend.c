/* A stand-in for an ogon session backend (ogon-backend-x, ogon-qt-greeter), for tests of the
 * session manager's logon path: it reports who started it and how (report.c), listens on its
 * endpoint and answers the first messages of the backend protocol (shared/spec/SESSIONS.md §3.4)
 * as a real backend would, checking the RDS's ogon cookie. Command line and formats: README.md. */
#define _GNU_SOURCE
#include "report.h"
#include "wire.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

enum { EXIT_USAGE = 2, EXIT_AT_ONCE = 3, EXIT_SETUP = 4 };

/* One RDP connection at a time is normal; a few more cover reconnects and tests. */
#define MAX_CONNECTIONS 32

struct options {
	const char *endpoint;
	const char *report;
	const char *events;
	int never_listen;
	int exit_at_once;
	int ignore_sigterm;
};

struct connection {
	int fd;
	unsigned id;
	int versioned; /* VERSION received with the right cookie */
	size_t used;
	uint8_t buf[BE_HEADER_SIZE + BE_MAX_PAYLOAD];
};

static struct connection *connections[MAX_CONNECTIONS];
static unsigned last_connection_id;

/* Matches "--name VALUE" and "--name=VALUE": the launcher's argument templates may use either. */
static int option_value(int argc, char **argv, int *i, const char *name, const char **value)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*value = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "standin-backend: %s needs a value\n", name);
		exit(EXIT_USAGE);
	}
	*value = argv[++*i];
	return 1;
}

/* Unknown arguments are accepted and only reported (arg= lines): the daemon's launcher passes
 * the real backends' arguments (-geometry, -depth, -platform ...) and tests check them there. */
static void parse_options(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->endpoint = getenv("OGON_PIPE_PATH");
	o->report = getenv("STANDIN_REPORT");
	o->events = getenv("STANDIN_EVENTS");
	for (int i = 1; i < argc; i++) {
		if (option_value(argc, argv, &i, "--endpoint-path", &o->endpoint) ||
		    option_value(argc, argv, &i, "--report", &o->report) ||
		    option_value(argc, argv, &i, "--events", &o->events))
			continue;
		if (strcmp(argv[i], "--never-listen") == 0)
			o->never_listen = 1;
		else if (strcmp(argv[i], "--exit-at-once") == 0)
			o->exit_at_once = 1;
		else if (strcmp(argv[i], "--ignore-sigterm") == 0)
			o->ignore_sigterm = 1;
	}
	if (!o->endpoint && !o->never_listen && !o->exit_at_once) {
		fprintf(stderr, "standin-backend: no endpoint: give --endpoint-path PATH or OGON_PIPE_PATH\n");
		exit(EXIT_USAGE);
	}
}

/* SIGTERM and SIGINT arrive on a signalfd, so the poll loop sees them with no race and no
 * handler. --ignore-sigterm ignores SIGTERM instead, so only SIGKILL ends the process. */
static int setup_signals(int ignore_sigterm)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	if (ignore_sigterm)
		signal(SIGTERM, SIG_IGN);
	else
		sigaddset(&set, SIGTERM);
	signal(SIGPIPE, SIG_IGN); /* a closed RDS connection is a write error, not death */
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/* Binds and listens. An existing file at the path is left alone and is an error: the daemon
 * removes stale endpoints before it starts a backend. The parent directory is created if
 * missing, as WinPR's CreateNamedPipe does for /tmp/.pipe. */
static int listen_on(const char *path, struct stat *bound)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path)) {
		event("endpoint-too-long path=%s", path);
		return -1;
	}
	strcpy(addr.sun_path, path);

	char dir[sizeof(addr.sun_path)];
	strcpy(dir, path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0777) != 0 && errno != EEXIST)
			event("mkdir-failed path=%s error=%s", dir, strerror(errno));
	}

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 64) != 0 ||
	    stat(path, bound) != 0) {
		event("listen-failed path=%s error=%s", path, strerror(errno));
		return -1;
	}
	event("listening path=%s", path);
	return fd;
}

/* Removes the endpoint at exit only if it is still the socket we bound. */
static void remove_own_endpoint(const char *path, const struct stat *bound)
{
	struct stat now;
	if (stat(path, &now) == 0 && now.st_dev == bound->st_dev && now.st_ino == bound->st_ino)
		unlink(path);
}

static void close_connection(int slot, const char *why)
{
	struct connection *c = connections[slot];
	event("closed conn=%u reason=%s", c->id, why);
	close(c->fd);
	free(c);
	connections[slot] = NULL;
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int cookie_matches(const struct be_version *v)
{
	const char *expected = getenv("OGON_COOKIE");
	return expected && v->has_cookie && v->cookie_len == strlen(expected) &&
	       memcmp(v->cookie, expected, v->cookie_len) == 0;
}

/* The first frame: VERSION with the ogon cookie. Answered with the backend cookie, as
 * libogon-backend does; a wrong cookie closes the connection, as the Qt greeter does. */
static const char *on_version(struct connection *c, uint16_t type, const uint8_t *payload, uint32_t len)
{
	struct be_version v;
	if (type != BE_VERSION) {
		event("no-version conn=%u type=%u", c->id, type);
		return "no-version";
	}
	if (be_decode_version(payload, len, &v) != 0) {
		event("bad-frame conn=%u type=%u", c->id, type);
		return "bad-frame";
	}
	if (!cookie_matches(&v)) {
		event("cookie-bad conn=%u major=%u minor=%u", c->id, v.major, v.minor);
		return "cookie-bad";
	}
	event("cookie-ok conn=%u major=%u minor=%u", c->id, v.major, v.minor);

	const char *backend_cookie = getenv("OGON_BACKEND_COOKIE");
	if (!backend_cookie)
		backend_cookie = "";
	uint8_t out[BE_HEADER_SIZE + 32 + BE_MAX_COOKIE];
	size_t n = be_encode_version_reply(out, sizeof(out), 1, 1, backend_cookie, strnlen(backend_cookie, BE_MAX_COOKIE));
	if (n == 0 || send_all(c->fd, out, n) != 0)
		return "write-failed";
	c->versioned = 1;
	return NULL;
}

/* After VERSION: CAPABILITIES gets a FRAMEBUFFER_INFO of the requested size; the rest
 * (keyboard sync, input, sync requests) is noted and ignored. */
static const char *on_message(struct connection *c, uint16_t type, const uint8_t *payload, uint32_t len)
{
	if (type != BE_CAPABILITIES) {
		event("ignored conn=%u type=%u length=%u", c->id, type, len);
		return NULL;
	}
	struct be_capabilities caps;
	if (be_decode_capabilities(payload, len, &caps) != 0) {
		event("bad-frame conn=%u type=%u", c->id, type);
		return "bad-frame";
	}
	event("capabilities conn=%u width=%u height=%u colorDepth=%u clientId=%u", c->id, caps.width,
	      caps.height, caps.color_depth, caps.client_id);
	struct be_framebuffer_info info = {
		.width = caps.width,
		.height = caps.height,
		.scanline = caps.width * 4,
		.bits_per_pixel = 32,
		.bytes_per_pixel = 4,
	};
	uint8_t out[BE_HEADER_SIZE + 8 * 6];
	size_t n = be_encode_framebuffer_info(out, sizeof(out), &info);
	return n == 0 || send_all(c->fd, out, n) != 0 ? "write-failed" : NULL;
}

/* Reads what is there and handles every whole frame; returns why to close, or NULL. */
static const char *on_readable(struct connection *c)
{
	ssize_t r = read(c->fd, c->buf + c->used, sizeof(c->buf) - c->used);
	if (r < 0)
		return errno == EINTR || errno == EAGAIN ? NULL : "read-error";
	if (r == 0)
		return "eof";
	c->used += (size_t)r;

	size_t start = 0;
	while (c->used - start >= BE_HEADER_SIZE) {
		uint16_t type;
		uint32_t len;
		if (be_read_header(c->buf + start, &type, &len) != 0) {
			event("frame-too-big conn=%u type=%u length=%u", c->id, type, len);
			return "frame-too-big";
		}
		if (c->used - start < BE_HEADER_SIZE + (size_t)len)
			break;
		const uint8_t *payload = c->buf + start + BE_HEADER_SIZE;
		const char *why = c->versioned ? on_message(c, type, payload, len) : on_version(c, type, payload, len);
		if (why)
			return why;
		start += BE_HEADER_SIZE + len;
	}
	memmove(c->buf, c->buf + start, c->used - start);
	c->used -= start;
	return NULL;
}

static void on_accept(int listener)
{
	int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (int slot = 0; slot < MAX_CONNECTIONS; slot++) {
		if (connections[slot])
			continue;
		struct connection *c = malloc(sizeof(*c));
		if (!c)
			break;
		c->fd = fd;
		c->id = ++last_connection_id;
		c->versioned = 0;
		c->used = 0;
		connections[slot] = c;
		event("accepted conn=%u", c->id);
		return;
	}
	event("refused reason=too-many-connections");
	close(fd);
}

/* Waits in poll() only: a storm of logons runs hundreds of these on two cores. */
static int serve(int sigfd, int listener)
{
	for (;;) {
		struct pollfd fds[2 + MAX_CONNECTIONS];
		int slots[2 + MAX_CONNECTIONS];
		nfds_t n = 0;
		fds[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		if (listener >= 0)
			fds[n++] = (struct pollfd){ .fd = listener, .events = POLLIN };
		nfds_t first_connection = n;
		for (int slot = 0; slot < MAX_CONNECTIONS; slot++) {
			if (connections[slot]) {
				slots[n] = slot;
				fds[n++] = (struct pollfd){ .fd = connections[slot]->fd, .events = POLLIN };
			}
		}
		if (poll(fds, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			event("poll-failed error=%s", strerror(errno));
			return EXIT_SETUP;
		}
		if (fds[0].revents) {
			struct signalfd_siginfo info;
			if (read(sigfd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
				event("signal %s", info.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
				return 0;
			}
		}
		for (nfds_t i = first_connection; i < n; i++) {
			if (fds[i].revents) {
				const char *why = on_readable(connections[slots[i]]);
				if (why)
					close_connection(slots[i], why);
			}
		}
		if (listener >= 0 && fds[1].revents)
			on_accept(listener);
	}
}

int main(int argc, char **argv)
{
	struct options o;
	parse_options(argc, argv, &o);

	int sigfd = setup_signals(o.ignore_sigterm);
	if (sigfd < 0) {
		perror("standin-backend: signals");
		return EXIT_SETUP;
	}

	char default_events[4096];
	if (!o.events && o.report && snprintf(default_events, sizeof(default_events), "%s.events", o.report) < (int)sizeof(default_events))
		o.events = default_events;
	if (events_open(o.events) != 0) {
		perror("standin-backend: events log");
		return EXIT_SETUP;
	}
	if (o.report && report_write(o.report, o.endpoint, argc, argv) != 0) {
		perror("standin-backend: report");
		return EXIT_SETUP;
	}
	event("started pid=%ld", (long)getpid());
	if (o.exit_at_once) {
		event("exit-at-once");
		return EXIT_AT_ONCE;
	}

	struct stat bound;
	int listener = -1;
	if (o.never_listen)
		event("never-listen");
	else if ((listener = listen_on(o.endpoint, &bound)) < 0)
		return EXIT_SETUP;

	int rc = serve(sigfd, listener);
	if (listener >= 0)
		remove_own_endpoint(o.endpoint, &bound);
	event("exit status=%d", rc);
	return rc;
}
