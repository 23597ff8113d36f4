#include "private_socket.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int sm_listen_private(const char *path, int backlog, char *why, size_t why_size)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    const char *slash = strrchr(path, '/');
    if (path[0] != '/' || strlen(path) >= sizeof addr.sun_path || slash == path) {
        snprintf(why, why_size, "socket path must be absolute, not in /, and shorter than %zu bytes: %s", sizeof addr.sun_path, path);
        return -1;
    }
    char dir[sizeof addr.sun_path];
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    struct stat st;
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
        snprintf(why, why_size, "socket directory %s must be a directory owned by uid %d with mode 0700", dir, (int)geteuid());
        return -1;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(why, why_size, "cannot create a socket: %s", strerror(errno));
        return -1;
    }
    /* bind() creates the file and fails on any existing one (no replacing, no following a
     * symbolic link); the umask makes it 0600 from the start. */
    mode_t old = umask(0177);
    int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    umask(old);
    if (rc != 0 || listen(fd, backlog) != 0) {
        snprintf(why, why_size, "cannot listen on %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}
