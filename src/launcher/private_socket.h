/* The listening Unix socket of sm-launcher and sm-spawner: both serve only their own uid, on a
 * path in a directory nobody else can write to. */
#ifndef SM_PRIVATE_SOCKET_H
#define SM_PRIVATE_SOCKET_H

#include <stddef.h>

/* Creates PATH (0600 from the start, never replacing or following what is there) and listens on
 * it, non-blocking and close-on-exec. PATH must be absolute, fit a sockaddr_un and lie in a
 * directory (not /) owned by our euid with mode 0700, so nobody can swap the socket or connect
 * before the caller's peer check. Returns the descriptor, or -1 with the reason in WHY. */
int sm_listen_private(const char *path, int backlog, char *why, size_t why_size);

#endif
