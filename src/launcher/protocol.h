/* Control-channel framing between the daemon and sm-launcher.
 *
 * A frame is a u32 big-endian payload length, then the payload: one byte of message type, then
 * zero or more fields, each a string terminated by NUL. Numbers travel as decimal strings, lists
 * as a count field followed by that many fields. Every length is bounded (SM_MAX_PAYLOAD), so a
 * confused peer cannot make the launcher allocate: all buffers are fixed and static.
 */
#ifndef SM_PROTOCOL_H
#define SM_PROTOCOL_H

#include <stddef.h>

#define SM_MAX_PAYLOAD 65536
#define SM_MAX_FIELDS 1024

/* daemon -> launcher requests; each gets exactly one reply */
enum sm_request {
    SM_REQ_AUTHENTICATE = 1, /* service, user, password, rhost, tty */
    SM_REQ_START = 2,        /* run_as ("" = authenticated user), open_pam_session ("1"/"0"), cwd ("" = home),
                                argc, argv..., envc, env ("NAME=value")... */
    SM_REQ_STOP = 3,         /* timeout_ms */
    SM_REQ_STATUS = 4,       /* (no fields) */
    SM_REQ_DISCARD = 5,      /* (no fields) */
};

/* launcher -> daemon replies and the one event */
enum sm_reply {
    SM_REP_AUTH_OK = 0x81, /* user, uid, gid, home, shell, ngroups, gid... */
    SM_REP_FAILED = 0x82,  /* reason */
    SM_REP_STARTED = 0x83, /* pid, pgid, nenv, pam env ("NAME=value")... */
    SM_REP_STATUS = 0x84,  /* state, user, pid, pgid, exit code (-1 if none), signal (0 if none) */
    SM_REP_DONE = 0x85,    /* (no fields): STOP accepted, DISCARD done */
    SM_EVT_EXITED = 0x86,  /* exit code (-1 if killed), signal (0 if exited) */
};

/* daemon <-> sm-spawner (the same framing): requests carry an id the reply repeats; events name
 * the launcher by pid. */
enum sm_spawner_message {
    SM_REQ_SPAWN = 0x10,         /* id, socket_path, connect_deadline_ms, stop_timeout_ms, pam_nice */
    SM_REP_SPAWNED = 0x90,       /* id, pid */
    SM_REP_SPAWN_FAILED = 0x91,  /* id, reason */
    SM_EVT_READY = 0x92,         /* pid: the launcher printed "ready" (it listens on its socket) */
    SM_EVT_LOG = 0x93,           /* pid, one line the launcher wrote to stderr */
    SM_EVT_CHILD_EXITED = 0x94,  /* pid, exit code (-1 if killed), signal (0 if exited) */
};

struct sm_message {
    int type;
    size_t nfields;
    const char *fields[SM_MAX_FIELDS];
};

/* Incoming bytes of one connection; frames are taken out as they complete. */
struct sm_reader {
    unsigned char buf[4 + SM_MAX_PAYLOAD];
    size_t have;
};

/* Reads what the socket has (non-blocking). Returns 1 if bytes arrived, 0 on EOF, -1 on error. */
int sm_reader_fill(struct sm_reader *r, int fd);

/* Takes the next complete frame out of the reader into payload (which must hold SM_MAX_PAYLOAD).
 * Returns 1 and its length, 0 if incomplete, -1 if the peer announced a bad length. The bytes
 * taken are zeroed in the reader (a frame may hold a password). */
int sm_reader_next(struct sm_reader *r, unsigned char *payload, size_t *len);

/* Splits a payload into type and fields (pointers into payload). -1 if malformed. */
int sm_parse(unsigned char *payload, size_t len, struct sm_message *m);

struct sm_writer {
    unsigned char buf[4 + SM_MAX_PAYLOAD];
    size_t len;
    int overflow;
};

void sm_writer_begin(struct sm_writer *w, int type);
void sm_writer_str(struct sm_writer *w, const char *s);
void sm_writer_long(struct sm_writer *w, long long v);
/* Sends the frame; waits at most a few seconds for room. 0 on success, -1 on failure or overflow. */
int sm_writer_send(struct sm_writer *w, int fd);

#endif
