/* The SM->RDS requests the fake RDS server answers, with the fixed answers the interop
 * tests expect. The set matches what the ogon RDS server answers; everything else is
 * NOTFOUND, as ICP.md demands. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icp.pb-c.h"
#include "icp_peer.h"

typedef Freerds__Icp__VirtualChannelOpenRequest VcOpenReq;
typedef Freerds__Icp__VirtualChannelCloseRequest VcCloseReq;
typedef Freerds__Icp__LogoffUserSessionRequest LogoffReq;
typedef Freerds__Icp__StartRemoteControlRequest StartRcReq;
typedef Freerds__Icp__StopRemoteControlRequest StopRcReq;
typedef Freerds__Icp__MessageRequest MessageReq;

/* A handler reads the unpacked request, prints its line and packs the response. */
typedef void (*handler_fn)(const ProtobufCMessage *req, int quiet, buf_t *payload);

static void pack(const ProtobufCMessage *msg, buf_t *payload)
{
    buf_reserve(payload, protobuf_c_message_get_packed_size(msg));
    payload->len += protobuf_c_message_pack(msg, payload->data + payload->len);
}

/* Absent optional strings print as empty: the tests match on text, not on NULL. */
static const char *str(const char *s)
{
    return s ? s : "";
}

static void on_ping(const ProtobufCMessage *req, int quiet, buf_t *payload)
{
    (void)req;
    (void)quiet;
    Freerds__Icp__PingResponse rsp = FREERDS__ICP__PING_RESPONSE__INIT;
    rsp.pong = 1;
    pack(&rsp.base, payload);
}

static void on_vc_open(const ProtobufCMessage *msg, int quiet, buf_t *payload)
{
    const VcOpenReq *req = (const VcOpenReq *)msg;
    if (!quiet)
        printf("VirtualChannelOpen connectionId=%u virtualName=%s dynamicChannel=%d flags=%u\n",
               req->connectionid, req->virtualname, req->dynamicchannel ? 1 : 0, req->flags);
    size_t size = strlen(req->virtualname) + sizeof "vc:4294967295:";
    char *conn = malloc(size);
    if (!conn) {
        perror("malloc");
        exit(1);
    }
    snprintf(conn, size, "vc:%u:%s", req->connectionid, req->virtualname);
    Freerds__Icp__VirtualChannelOpenResponse rsp = FREERDS__ICP__VIRTUAL_CHANNEL_OPEN_RESPONSE__INIT;
    rsp.connectionstring = conn;
    rsp.instance = 7;
    pack(&rsp.base, payload);
    free(conn);
}

static void on_vc_close(const ProtobufCMessage *msg, int quiet, buf_t *payload)
{
    const VcCloseReq *req = (const VcCloseReq *)msg;
    if (!quiet)
        printf("VirtualChannelClose connectionId=%u virtualName=%s instance=%u\n",
               req->connectionid, req->virtualname, req->instance);
    Freerds__Icp__VirtualChannelCloseResponse rsp = FREERDS__ICP__VIRTUAL_CHANNEL_CLOSE_RESPONSE__INIT;
    rsp.success = 1;
    pack(&rsp.base, payload);
}

static void on_logoff(const ProtobufCMessage *msg, int quiet, buf_t *payload)
{
    const LogoffReq *req = (const LogoffReq *)msg;
    if (!quiet)
        printf("LogoffUserSession connectionId=%u\n", req->connectionid);
    Freerds__Icp__LogoffUserSessionResponse rsp = FREERDS__ICP__LOGOFF_USER_SESSION_RESPONSE__INIT;
    rsp.loggedoff = 1;
    pack(&rsp.base, payload);
}

static void on_start_rc(const ProtobufCMessage *msg, int quiet, buf_t *payload)
{
    const StartRcReq *req = (const StartRcReq *)msg;
    if (!quiet)
        printf("StartRemoteControl connectionId=%u targetConnectionId=%u hotKeyVk=%u "
               "hotKeyModifiers=%u flags=%u\n",
               req->connectionid, req->targetconnectionid, req->hotkeyvk, req->hotkeymodifiers,
               req->flags);
    Freerds__Icp__StartRemoteControlResponse rsp = FREERDS__ICP__START_REMOTE_CONTROL_RESPONSE__INIT;
    rsp.success = 1;
    pack(&rsp.base, payload);
}

static void on_stop_rc(const ProtobufCMessage *msg, int quiet, buf_t *payload)
{
    const StopRcReq *req = (const StopRcReq *)msg;
    if (!quiet)
        printf("StopRemoteControl connectionId=%u\n", req->connectionid);
    Freerds__Icp__StopRemoteControlResponse rsp = FREERDS__ICP__STOP_REMOTE_CONTROL_RESPONSE__INIT;
    rsp.success = 1;
    pack(&rsp.base, payload);
}

static void on_message(const ProtobufCMessage *msg, int quiet, buf_t *payload)
{
    const MessageReq *req = (const MessageReq *)msg;
    if (!quiet)
        printf("Message connectionId=%u type=%u style=%u timeout=%u parameterNum=%u "
               "parameter1=%s parameter2=%s\n",
               req->connectionid, req->type, req->style, req->timeout, req->parameternum,
               str(req->parameter1), str(req->parameter2));
    Freerds__Icp__MessageResponse rsp = FREERDS__ICP__MESSAGE_RESPONSE__INIT;
    rsp.result = 1;
    pack(&rsp.base, payload);
}

static const struct {
    uint32_t msg_type;
    const ProtobufCMessageDescriptor *request;
    handler_fn fn;
} handlers[] = {
    { FREERDS__ICP__MSG_TYPE__Ping, &freerds__icp__ping_request__descriptor, on_ping },
    { FREERDS__ICP__MSG_TYPE__LogoffUserSession, &freerds__icp__logoff_user_session_request__descriptor, on_logoff },
    { FREERDS__ICP__MSG_TYPE__VirtualChannelOpen, &freerds__icp__virtual_channel_open_request__descriptor, on_vc_open },
    { FREERDS__ICP__MSG_TYPE__VirtualChannelClose, &freerds__icp__virtual_channel_close_request__descriptor, on_vc_close },
    { FREERDS__ICP__MSG_TYPE__StartRemoteControl, &freerds__icp__start_remote_control_request__descriptor, on_start_rc },
    { FREERDS__ICP__MSG_TYPE__StopRemoteControl, &freerds__icp__stop_remote_control_request__descriptor, on_stop_rc },
    { FREERDS__ICP__MSG_TYPE__Message, &freerds__icp__message_request__descriptor, on_message },
};

Freerds__Pbrpc__RPCStatus icp_handle_request(uint32_t msg_type, const ProtobufCBinaryData *req,
                                             int quiet, buf_t *payload, const char **error)
{
    payload->len = 0;
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++) {
        if (handlers[i].msg_type != msg_type)
            continue;
        /* An absent payload unpacks like an empty one, so a bare Ping is still answered;
         * a request with required fields then fails to unpack. */
        ProtobufCMessage *msg = protobuf_c_message_unpack(
            handlers[i].request, NULL, req ? req->len : 0, req ? req->data : NULL);
        if (!msg) {
            fprintf(stderr, "malformed request msgType=%u\n", msg_type);
            *error = "malformed request";
            return FREERDS__PBRPC__RPCSTATUS__FAILED;
        }
        handlers[i].fn(msg, quiet, payload);
        protobuf_c_message_free_unpacked(msg, NULL);
        return FREERDS__PBRPC__RPCSTATUS__SUCCESS;
    }
    if (!quiet)
        printf("NOTFOUND msgType=%u\n", msg_type);
    return FREERDS__PBRPC__RPCSTATUS__NOTFOUND;
}
