/* The ICP calls the ogon RDS server makes for one new client connection (SESSIONS.md §1,
 * rows 3-5), played by icp_peer after the handshake: PropertyBulk, PropertyString
 * tcp.keepalive.params, LogonUser. Each answer is decoded with protobuf-c, which refuses a
 * message missing a required field, and printed as one line. */
#ifndef ICP_LOGON_H
#define ICP_LOGON_H

#include <stdint.h>

#include "icp_peer.h"

/* One client connection: `--logon CONNECTION_ID:USER:PASSWORD` (the password may hold ':'). */
typedef struct {
    uint32_t connection_id;
    char *user;
    char *password;
} logon_script_t;

/* The calls of one script, in the order the RDS makes them, each waiting for its answer. */
enum { LOGON_STEP_BULK, LOGON_STEP_KEEPALIVE, LOGON_STEP_LOGON, LOGON_STEPS };

/* Returns 0 when arg is not of the form above. */
int logon_parse(const char *arg, logon_script_t *out);

/* Packs the request of `step` into *payload (cleared first) and returns its msgType. */
uint32_t logon_build_request(const logon_script_t *s, int step, buf_t *payload);

/* Prints the answer of `step` (payload NULL when absent). Returns 0 when the answer is not
 * what an RDS could use: not SUCCESS, or protobuf-c refused the payload. */
int logon_print_answer(const logon_script_t *s, int step, int status,
                       const ProtobufCBinaryData *payload);

#endif
