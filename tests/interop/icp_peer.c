/* icp_peer: a fake RDS server on protobuf-c, the library real FreeRDS/ogon RDS servers use.
 * It connects to the session manager's ICP socket, performs the version handshake, pings,
 * then answers the session manager's requests until the connection closes.
 *
 *   icp_peer --socket PATH [--quiet] [--no-handshake] [--vmajor N] [--vminor N]
 *            [--logon CONNECTION_ID:USER:PASSWORD]...
 *
 * Each --logon plays, after the ping, the calls the ogon RDS server makes for a new client
 * connection (icp_logon.h), one connection after another, and prints every answer as
 * protobuf-c decoded it; "logons done ok=N failed=M" ends the script. The peer then goes on
 * answering the session manager's requests.
 *
 * Exit status: 0 on EOF after the handshake, 1 on usage/transport/protocol errors,
 * 2 when the handshake or the ping is answered wrongly, or the connection closes before
 * the handshake answer.
 *
 * It is also the fake RDS of the end-to-end benchmark, hence the batched I/O: every read
 * takes as many bytes as are available, all complete frames in them are answered, and the
 * answers go out in one write. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "icp.pb-c.h"
#include "icp_logon.h"
#include "icp_peer.h"

#define HANDSHAKE_MSG_TYPE 0xFFFFFFFFu
#define TAG_HANDSHAKE 1u
#define TAG_PING 2u
/* Tags of the logon scripts' calls: TAG_LOGON_BASE + script * LOGON_STEPS + step. */
#define TAG_LOGON_BASE 100u
#define MAX_LOGONS 16
/* ICP has no maximum; like any receiver we impose one. */
#define MAX_FRAME (16u * 1024u * 1024u)
#define READ_CHUNK (64u * 1024u)

typedef struct {
    const char *socket_path;
    int quiet;
    int handshake;
    uint32_t vmajor;
    uint32_t vminor;
    logon_script_t logons[MAX_LOGONS];
    int n_logons;
} options_t;

typedef struct {
    int fd;
    int quiet;
    int awaiting_handshake;
    buf_t in;
    buf_t out;
    buf_t payload; /* scratch for the payload of the response being built */
    const options_t *options;
    int logon_ok;
    int logon_failed;
} peer_t;

void buf_reserve(buf_t *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return;
    size_t cap = b->cap ? b->cap : READ_CHUNK;
    while (cap - b->len < extra)
        cap *= 2;
    uint8_t *data = realloc(b->data, cap);
    if (!data) {
        perror("realloc");
        exit(1);
    }
    b->data = data;
    b->cap = cap;
}

static void usage(void)
{
    fprintf(stderr, "usage: icp_peer --socket PATH [--quiet] [--no-handshake] "
                    "[--vmajor N] [--vminor N] [--logon CONNECTION_ID:USER:PASSWORD]...\n");
    exit(1);
}

static uint32_t parse_u32(const char *s)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || *end || end == s || v > UINT32_MAX)
        usage();
    return (uint32_t)v;
}

static options_t parse_args(int argc, char **argv)
{
    options_t o = { .socket_path = NULL, .quiet = 0, .handshake = 1, .vmajor = 1, .vminor = 1 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (!strcmp(a, "--socket") && has_value)
            o.socket_path = argv[++i];
        else if (!strcmp(a, "--quiet"))
            o.quiet = 1;
        else if (!strcmp(a, "--no-handshake"))
            o.handshake = 0;
        else if (!strcmp(a, "--vmajor") && has_value)
            o.vmajor = parse_u32(argv[++i]);
        else if (!strcmp(a, "--vminor") && has_value)
            o.vminor = parse_u32(argv[++i]);
        else if (!strcmp(a, "--logon") && has_value && o.n_logons < MAX_LOGONS) {
            if (!logon_parse(argv[++i], &o.logons[o.n_logons++]))
                usage();
        }
        else
            usage();
    }
    if (!o.socket_path)
        usage();
    return o;
}

/* The session manager may still be starting: retry every 100 ms for up to 10 s while the
 * socket is missing or refuses. */
static int connect_with_retry(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof addr.sun_path) {
        fprintf(stderr, "socket path too long: %s\n", path);
        exit(1);
    }
    strcpy(addr.sun_path, path);
    const struct timespec pause = { 0, 100 * 1000 * 1000 };
    for (int attempt = 0;; attempt++) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0) {
            perror("socket");
            exit(1);
        }
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0)
            return fd;
        int err = errno;
        close(fd);
        if ((err != ENOENT && err != ECONNREFUSED) || attempt >= 100) {
            fprintf(stderr, "connect %s: %s\n", path, strerror(err));
            exit(1);
        }
        nanosleep(&pause, NULL);
    }
}

/* Appends one frame (big-endian length + RPCBase) to the pending output. */
static void queue_frame(peer_t *p, const Freerds__Pbrpc__RPCBase *msg)
{
    size_t size = freerds__pbrpc__rpcbase__get_packed_size(msg);
    buf_reserve(&p->out, 4 + size);
    uint8_t *at = p->out.data + p->out.len;
    at[0] = (uint8_t)(size >> 24);
    at[1] = (uint8_t)(size >> 16);
    at[2] = (uint8_t)(size >> 8);
    at[3] = (uint8_t)size;
    freerds__pbrpc__rpcbase__pack(msg, at + 4);
    p->out.len += 4 + size;
}

/* Returns 0 when the session manager closed the connection under us. */
static int flush(peer_t *p)
{
    size_t done = 0;
    while (done < p->out.len) {
        ssize_t n = write(p->fd, p->out.data + done, p->out.len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (errno == EPIPE || errno == ECONNRESET)
                return 0;
            perror("write");
            exit(1);
        }
        done += (size_t)n;
    }
    p->out.len = 0;
    return 1;
}

static void queue_handshake(peer_t *p, const options_t *o)
{
    Freerds__Pbrpc__VersionInfo version = FREERDS__PBRPC__VERSION_INFO__INIT;
    version.vmajor = o->vmajor;
    version.vminor = o->vminor;
    Freerds__Pbrpc__RPCBase msg = FREERDS__PBRPC__RPCBASE__INIT;
    msg.tag = TAG_HANDSHAKE;
    msg.isresponse = 0;
    msg.status = FREERDS__PBRPC__RPCSTATUS__SUCCESS;
    msg.msgtype = HANDSHAKE_MSG_TYPE;
    msg.versioninfo = &version;
    queue_frame(p, &msg);
}

static void queue_ping(peer_t *p)
{
    /* An empty PingRequest packs to zero bytes; the payload field is still sent. */
    Freerds__Pbrpc__RPCBase msg = FREERDS__PBRPC__RPCBASE__INIT;
    msg.tag = TAG_PING;
    msg.isresponse = 0;
    msg.status = FREERDS__PBRPC__RPCSTATUS__SUCCESS;
    msg.msgtype = FREERDS__ICP__MSG_TYPE__Ping;
    msg.has_payload = 1;
    msg.payload.len = 0;
    msg.payload.data = (uint8_t *)"";
    queue_frame(p, &msg);
}

/* Sends call `step` of logon script `script`; after the last one, prints the summary. */
static void queue_logon_call(peer_t *p, int script, int step)
{
    if (script >= p->options->n_logons) {
        if (p->options->n_logons)
            printf("logons done ok=%d failed=%d\n", p->logon_ok, p->logon_failed);
        return;
    }
    Freerds__Pbrpc__RPCBase msg = FREERDS__PBRPC__RPCBASE__INIT;
    msg.tag = TAG_LOGON_BASE + (uint32_t)(script * LOGON_STEPS + step);
    msg.isresponse = 0;
    msg.status = FREERDS__PBRPC__RPCSTATUS__SUCCESS;
    msg.msgtype = logon_build_request(&p->options->logons[script], step, &p->payload);
    msg.has_payload = 1;
    msg.payload.len = p->payload.len;
    msg.payload.data = p->payload.data ? p->payload.data : (uint8_t *)"";
    queue_frame(p, &msg);
}

/* The RDS makes the next call of a connection only once the previous one is answered; a
 * LogonUser that fails ends that connection, as PostConnect fails (SESSIONS.md §2.6). */
static void on_logon_answer(peer_t *p, const Freerds__Pbrpc__RPCBase *msg)
{
    uint32_t index = msg->tag - TAG_LOGON_BASE;
    int script = (int)(index / LOGON_STEPS), step = (int)(index % LOGON_STEPS);
    if (script >= p->options->n_logons) {
        fprintf(stderr, "ignoring response with unknown tag=%u\n", msg->tag);
        return;
    }
    int ok = logon_print_answer(&p->options->logons[script], step, msg->status,
                                msg->has_payload ? &msg->payload : NULL);
    if (ok && step + 1 < LOGON_STEPS) {
        queue_logon_call(p, script, step + 1);
        return;
    }
    if (ok)
        p->logon_ok++;
    else
        p->logon_failed++;
    queue_logon_call(p, script + 1, 0);
}

static void on_handshake_answer(peer_t *p, const Freerds__Pbrpc__RPCBase *msg)
{
    const Freerds__Pbrpc__VersionInfo *v = msg->versioninfo;
    if (msg->msgtype != HANDSHAKE_MSG_TYPE || msg->status != FREERDS__PBRPC__RPCSTATUS__SUCCESS) {
        fprintf(stderr, "handshake failed: msgType=%u status=%d\n", msg->msgtype, msg->status);
        exit(2);
    }
    if (!v) {
        fprintf(stderr, "handshake failed: answer without versionInfo\n");
        exit(2);
    }
    if (v->vmajor != 1) {
        fprintf(stderr, "handshake failed: vmajor=%u\n", v->vmajor);
        exit(2);
    }
    printf("handshake ok version=%u.%u\n", v->vmajor, v->vminor);
    p->awaiting_handshake = 0;
    queue_ping(p);
}

static void on_ping_answer(const Freerds__Pbrpc__RPCBase *msg)
{
    Freerds__Icp__PingResponse *rsp = NULL;
    if (msg->status == FREERDS__PBRPC__RPCSTATUS__SUCCESS && msg->has_payload)
        rsp = freerds__icp__ping_response__unpack(NULL, msg->payload.len, msg->payload.data);
    if (!rsp || !rsp->pong) {
        fprintf(stderr, "ping failed: status=%d payload=%s pong=%d\n", msg->status,
                msg->has_payload ? "present" : "absent", rsp ? rsp->pong : 0);
        exit(2);
    }
    printf("ping ok\n");
    freerds__icp__ping_response__free_unpacked(rsp, NULL);
}

static void on_request(peer_t *p, const Freerds__Pbrpc__RPCBase *req)
{
    const char *error = NULL;
    Freerds__Pbrpc__RPCStatus status = icp_handle_request(
        req->msgtype, req->has_payload ? &req->payload : NULL, p->quiet, &p->payload, &error);
    Freerds__Pbrpc__RPCBase rsp = FREERDS__PBRPC__RPCBASE__INIT;
    rsp.tag = req->tag;
    rsp.isresponse = 1;
    rsp.status = status;
    rsp.msgtype = req->msgtype;
    if (status == FREERDS__PBRPC__RPCSTATUS__SUCCESS) {
        rsp.has_payload = 1;
        rsp.payload.len = p->payload.len;
        /* A zero-length payload still needs a non-NULL pointer for protobuf-c. */
        rsp.payload.data = p->payload.data ? p->payload.data : (uint8_t *)"";
    }
    rsp.errordescription = (char *)error;
    queue_frame(p, &rsp);
}

static void on_frame(peer_t *p, const uint8_t *data, size_t len)
{
    Freerds__Pbrpc__RPCBase *msg = freerds__pbrpc__rpcbase__unpack(NULL, len, data);
    if (!msg) {
        fprintf(stderr, "malformed RPCBase (%zu bytes)\n", len);
        exit(1);
    }
    if (!msg->isresponse)
        on_request(p, msg);
    else if (msg->tag == TAG_HANDSHAKE && p->awaiting_handshake)
        on_handshake_answer(p, msg);
    else if (msg->tag == TAG_PING) {
        on_ping_answer(msg);
        queue_logon_call(p, 0, 0);
    } else if (msg->tag >= TAG_LOGON_BASE)
        on_logon_answer(p, msg);
    else
        fprintf(stderr, "ignoring response with unknown tag=%u msgType=%u\n", msg->tag,
                msg->msgtype);
    freerds__pbrpc__rpcbase__free_unpacked(msg, NULL);
}

/* Handles every complete frame in the input and keeps the incomplete rest for later. */
static void drain_frames(peer_t *p)
{
    size_t at = 0;
    while (p->in.len - at >= 4) {
        const uint8_t *h = p->in.data + at;
        uint32_t len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
        if (len > MAX_FRAME) {
            fprintf(stderr, "frame of %u bytes exceeds the limit of %u\n", len, MAX_FRAME);
            exit(1);
        }
        if (p->in.len - at - 4 < len)
            break;
        on_frame(p, h + 4, len);
        at += 4 + len;
    }
    memmove(p->in.data, p->in.data + at, p->in.len - at);
    p->in.len -= at;
}

/* Returns 0 when the connection is closed (EOF, reset). */
static int read_some(peer_t *p)
{
    buf_reserve(&p->in, READ_CHUNK);
    for (;;) {
        ssize_t n = read(p->fd, p->in.data + p->in.len, p->in.cap - p->in.len);
        if (n > 0) {
            p->in.len += (size_t)n;
            return 1;
        }
        if (n == 0 || errno == ECONNRESET)
            return 0;
        if (errno != EINTR) {
            perror("read");
            exit(1);
        }
    }
}

int main(int argc, char **argv)
{
    options_t o = parse_args(argc, argv);
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* A write to a closed connection is reported as EPIPE, not as a fatal signal. */
    signal(SIGPIPE, SIG_IGN);

    peer_t p = { .fd = connect_with_retry(o.socket_path), .quiet = o.quiet,
                 .awaiting_handshake = o.handshake, .options = &o };
    if (o.handshake)
        queue_handshake(&p, &o);
    else
        queue_ping(&p);

    while (flush(&p) && read_some(&p))
        drain_frames(&p);

    close(p.fd);
    free(p.in.data);
    free(p.out.data);
    free(p.payload.data);
    if (p.awaiting_handshake) {
        fprintf(stderr, "handshake failed: connection closed before the answer\n");
        return 2;
    }
    return 0;
}
