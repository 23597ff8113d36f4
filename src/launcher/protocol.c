/* Framing of the control channel: see protocol.h for the layout. */
#include "protocol.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How long a reply may wait for socket room: the daemon reads continuously, so only a stuck
 * daemon hits this, and then the connection is dropped and the launcher waits for a new one. */
#define SEND_TIMEOUT_MS 5000

int sm_reader_fill(struct sm_reader *r, int fd)
{
    if (r->have >= sizeof r->buf)
        return -1; /* cannot happen: a full frame is always taken out first */
    ssize_t n = recv(fd, r->buf + r->have, sizeof r->buf - r->have, MSG_DONTWAIT);
    if (n > 0) {
        r->have += (size_t)n;
        return 1;
    }
    if (n == 0)
        return 0;
    return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 1 : -1;
}

int sm_reader_next(struct sm_reader *r, unsigned char *payload, size_t *len)
{
    if (r->have < 4)
        return 0;
    uint32_t n = ((uint32_t)r->buf[0] << 24) | ((uint32_t)r->buf[1] << 16) | ((uint32_t)r->buf[2] << 8) | r->buf[3];
    if (n == 0 || n > SM_MAX_PAYLOAD)
        return -1;
    if (r->have < 4 + (size_t)n)
        return 0;
    memcpy(payload, r->buf + 4, n);
    *len = n;
    size_t rest = r->have - 4 - n;
    memmove(r->buf, r->buf + 4 + n, rest);
    explicit_bzero(r->buf + rest, r->have - rest);
    r->have = rest;
    return 1;
}

int sm_parse(unsigned char *payload, size_t len, struct sm_message *m)
{
    if (len < 1)
        return -1;
    m->type = payload[0];
    m->nfields = 0;
    if (len > 1 && payload[len - 1] != '\0')
        return -1; /* every field must be terminated */
    size_t i = 1;
    while (i < len) {
        if (m->nfields == SM_MAX_FIELDS)
            return -1;
        m->fields[m->nfields++] = (const char *)payload + i;
        i += strlen((const char *)payload + i) + 1;
    }
    return 0;
}

void sm_writer_begin(struct sm_writer *w, int type)
{
    w->len = 4;
    w->overflow = 0;
    w->buf[w->len++] = (unsigned char)type;
}

void sm_writer_str(struct sm_writer *w, const char *s)
{
    size_t n = strlen(s) + 1;
    if (w->overflow || w->len + n > sizeof w->buf) {
        w->overflow = 1;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

void sm_writer_long(struct sm_writer *w, long long v)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%lld", v);
    sm_writer_str(w, tmp);
}

int sm_writer_send(struct sm_writer *w, int fd)
{
    if (w->overflow)
        return -1;
    uint32_t n = (uint32_t)(w->len - 4);
    w->buf[0] = (unsigned char)(n >> 24);
    w->buf[1] = (unsigned char)(n >> 16);
    w->buf[2] = (unsigned char)(n >> 8);
    w->buf[3] = (unsigned char)n;
    size_t off = 0;
    while (off < w->len) {
        ssize_t k = send(fd, w->buf + off, w->len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k > 0) {
            off += (size_t)k;
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            if (poll(&p, 1, SEND_TIMEOUT_MS) > 0)
                continue;
        }
        return -1;
    }
    return 0;
}
