/* Launcher diagnostics go to stderr, a pipe to sm-spawner, which sends each line on to the
 * daemon's log.
 * Nothing written here ever contains a password: callers pass only names, numbers and PAM's
 * own error texts. */
#ifndef SM_LOG_H
#define SM_LOG_H

#include <stdio.h>

#define sm_log(...)                              \
    do {                                         \
        fprintf(stderr, "sm-launcher: " __VA_ARGS__); \
        fputc('\n', stderr);                     \
        fflush(stderr);                          \
    } while (0)

#endif
