/* Report and events log of the stand-in backend: see report.h. */
#define _GNU_SOURCE
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static int events_fd = -1;

/* One line per value: a backslash or newline in it would break the format, so they are escaped. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('\n', f);
}

static void put_groups(FILE *f)
{
	int n = getgroups(0, NULL);
	gid_t *groups = n > 0 ? calloc((size_t)n, sizeof(gid_t)) : NULL;
	if (groups)
		n = getgroups(n, groups);
	fputs("groups=", f);
	for (int i = 0; groups && i < n; i++)
		fprintf(f, "%s%u", i ? "," : "", (unsigned)groups[i]);
	fputc('\n', f);
	free(groups);
}

int report_write(const char *path, const char *endpoint, int argc, char **argv)
{
	char tmp[PATH_MAX];
	char cwd[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;

	/* umask() can only be read by setting it; put it straight back. */
	mode_t mask = umask(0);
	umask(mask);

	fprintf(f, "pid=%ld\nppid=%ld\n", (long)getpid(), (long)getppid());
	fprintf(f, "uid=%u\neuid=%u\ngid=%u\negid=%u\n", (unsigned)getuid(), (unsigned)geteuid(),
		(unsigned)getgid(), (unsigned)getegid());
	put_groups(f);
	fprintf(f, "pgid=%ld\nsid=%ld\n", (long)getpgid(0), (long)getsid(0));
	fputs("cwd=", f);
	put_escaped(f, getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	fprintf(f, "umask=%04o\n", (unsigned)mask);
	fputs("endpoint=", f);
	put_escaped(f, endpoint ? endpoint : "");
	for (int i = 1; i < argc; i++) {
		fputs("arg=", f);
		put_escaped(f, argv[i]);
	}
	fputs("env:\n", f);
	for (char **e = environ; *e; e++)
		put_escaped(f, *e);

	int failed = ferror(f);
	/* No fsync: the rename alone makes the report appear whole to readers, which is all
	 * the tests need, and a logon storm should not wait on the disk. */
	failed |= fclose(f) != 0;
	if (failed || rename(tmp, path) != 0) {
		int saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

int events_open(const char *path)
{
	if (!path)
		return 0;
	events_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	return events_fd < 0 ? -1 : 0;
}

void event(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line with O_APPEND: lines from concurrent writers never interleave. */
	if (events_fd >= 0 && write(events_fd, line, (size_t)n) < 0)
		perror("standin-backend: events log");
	fprintf(stderr, "standin-backend[%ld]: %.*s", (long)getpid(), n, line);
}
