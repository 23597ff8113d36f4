/* Shared between the fake RDS server's transport (icp_peer.c) and its request handlers
 * (icp_handlers.c). */
#ifndef ICP_PEER_H
#define ICP_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "pbrpc.pb-c.h"

/* A growable byte buffer: the read buffer, the batched writes and packed payloads. */
typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
} buf_t;

/* Makes room for `extra` more bytes after len; exits on allocation failure. */
void buf_reserve(buf_t *b, size_t extra);

/* Answers one SM->RDS request of type msg_type whose payload is req (NULL when absent).
 * On SUCCESS the response message is packed into *payload (cleared first); any other status
 * leaves it empty and may point *error at a static description. Prints the request's line
 * unless quiet. */
Freerds__Pbrpc__RPCStatus icp_handle_request(uint32_t msg_type, const ProtobufCBinaryData *req,
                                             int quiet, buf_t *payload, const char **error);

#endif
