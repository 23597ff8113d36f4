/* What the stand-in tells the tests: a report of what it is (written once, atomically) and an
 * events log of what happened on its endpoint (one line per event, appended). Formats: README.md. */
#ifndef STANDIN_REPORT_H
#define STANDIN_REPORT_H

/* Writes the report to path via path.tmp.<pid> + rename, so a reader sees all of it or nothing.
 * Returns 0, or -1 (errno set). */
int report_write(const char *path, const char *endpoint, int argc, char **argv);

/* Opens the events log (O_APPEND); NULL: events go to stderr only. Returns 0 or -1. */
int events_open(const char *path);

/* One event line (printf format, no newline), to the events log and stderr. */
void event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
