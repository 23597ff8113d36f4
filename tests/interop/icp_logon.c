/* The client-connection sequence of the ogon RDS server (see icp_logon.h). The requests are
 * the ones O rds/frontend.c:1389-1398, rds/peer.c:1240 and rds/frontend.c:413-427 send. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icp.pb-c.h"
#include "icp_logon.h"

typedef Freerds__Icp__EnumPropertyType prop_type_t;

/* The bulk request of the ogon RDS: two file paths, then seven ogon.* settings (§6.1). */
static const struct {
    prop_type_t type;
    const char *path;
} bulk_properties[] = {
    { FREERDS__ICP__ENUM_PROPERTY_TYPE__PROP_STRING, "ssl.certificate" },
    { FREERDS__ICP__ENUM_PROPERTY_TYPE__PROP_STRING, "ssl.key" },
    { FREERDS__ICP__ENUM_PROPERTY_TYPE__PROP_BOOL, "ogon.forceWeakRdpKey" },
    { FREERDS__ICP__ENUM_PROPERTY_TYPE__PROP_BOOL, "ogon.showDebugInfo" },
    { FREERDS__ICP__ENUM_PROPERTY_TYPE__PROP_BOOL, "ogon.disableGraphicsPipeline" },
    { FREERDS__ICP__ENUM_PROPERTY_TYPE__PROP_NUMBER, "ogon.bitrate" },
    { FREERDS__ICP__ENUM_PROPERTY_TYPE__PROP_BOOL, "ogon.disableGraphicsPipelineH264" },
    { FREERDS__ICP__ENUM_PROPERTY_TYPE__PROP_BOOL, "ogon.enableFullAVC444" },
    { FREERDS__ICP__ENUM_PROPERTY_TYPE__PROP_BOOL, "ogon.restrictAVC444" },
};
#define BULK_COUNT (sizeof bulk_properties / sizeof bulk_properties[0])

int logon_parse(const char *arg, logon_script_t *out)
{
    const char *first = strchr(arg, ':');
    const char *second = first ? strchr(first + 1, ':') : NULL;
    if (!second || first == arg || second == first + 1)
        return 0;
    char *end;
    errno = 0;
    unsigned long id = strtoul(arg, &end, 10);
    if (errno || end != first || id > UINT32_MAX)
        return 0;
    out->connection_id = (uint32_t)id;
    out->user = strndup(first + 1, (size_t)(second - first - 1));
    out->password = strdup(second + 1);
    if (!out->user || !out->password) {
        perror("strdup");
        exit(1);
    }
    return 1;
}

static void pack(const ProtobufCMessage *msg, buf_t *payload)
{
    payload->len = 0;
    buf_reserve(payload, protobuf_c_message_get_packed_size(msg));
    payload->len = protobuf_c_message_pack(msg, payload->data);
}

uint32_t logon_build_request(const logon_script_t *s, int step, buf_t *payload)
{
    if (step == LOGON_STEP_BULK) {
        Freerds__Icp__PropertyReq items[BULK_COUNT];
        Freerds__Icp__PropertyReq *item_ptrs[BULK_COUNT];
        for (size_t i = 0; i < BULK_COUNT; i++) {
            freerds__icp__property_req__init(&items[i]);
            items[i].propertytype = bulk_properties[i].type;
            items[i].propertypath = (char *)bulk_properties[i].path;
            item_ptrs[i] = &items[i];
        }
        Freerds__Icp__PropertyBulkRequest req = FREERDS__ICP__PROPERTY_BULK_REQUEST__INIT;
        req.connectionid = s->connection_id;
        req.n_properties = BULK_COUNT;
        req.properties = item_ptrs;
        pack(&req.base, payload);
        return FREERDS__ICP__MSG_TYPE__PropertyBulk;
    }
    if (step == LOGON_STEP_KEEPALIVE) {
        Freerds__Icp__PropertyStringRequest req = FREERDS__ICP__PROPERTY_STRING_REQUEST__INIT;
        req.connectionid = s->connection_id;
        req.path = "tcp.keepalive.params";
        pack(&req.base, payload);
        return FREERDS__ICP__MSG_TYPE__PropertyString;
    }
    /* What FreeRDP's settings hold for a plain mstsc client; NULL strings go out as "". */
    Freerds__Icp__LogonUserRequest req = FREERDS__ICP__LOGON_USER_REQUEST__INIT;
    req.connectionid = s->connection_id;
    req.username = s->user;
    req.password = s->password;
    req.domain = "";
    req.width = 1920;
    req.height = 1080;
    req.colordepth = 32;
    req.clienthostname = "pc1";
    req.clientaddress = "127.0.0.1";
    req.clientbuildnumber = 19041;
    req.clientproductid = 1;
    req.clienthardwareid = 0;
    req.clientprotocoltype = 2;
    pack(&req.base, payload);
    return FREERDS__ICP__MSG_TYPE__LogonUser;
}

static void print_bulk_result(const logon_script_t *s, size_t i, const Freerds__Icp__PropertyValue *v)
{
    const char *path = i < BULK_COUNT ? bulk_properties[i].path : "?";
    printf("PropertyBulk.result connectionId=%u index=%zu path=%s success=%d", s->connection_id, i,
           path, v->success ? 1 : 0);
    /* Only the typed value that is present is printed: the RDS counts a success without
     * one as not found (§6.2). */
    if (v->stringvalue)
        printf(" string=%s", v->stringvalue);
    if (v->has_boolvalue)
        printf(" bool=%d", v->boolvalue ? 1 : 0);
    if (v->has_intvalue)
        printf(" int=%d", v->intvalue);
    printf("\n");
}

static int print_bulk(const logon_script_t *s, const ProtobufCBinaryData *payload)
{
    Freerds__Icp__PropertyBulkResponse *rsp =
        freerds__icp__property_bulk_response__unpack(NULL, payload->len, payload->data);
    if (!rsp)
        return 0;
    printf("PropertyBulk connectionId=%u decoded results=%zu\n", s->connection_id, rsp->n_results);
    for (size_t i = 0; i < rsp->n_results; i++)
        print_bulk_result(s, i, rsp->results[i]);
    freerds__icp__property_bulk_response__free_unpacked(rsp, NULL);
    return 1;
}

static int print_keepalive(const logon_script_t *s, const ProtobufCBinaryData *payload)
{
    Freerds__Icp__PropertyStringResponse *rsp =
        freerds__icp__property_string_response__unpack(NULL, payload->len, payload->data);
    if (!rsp)
        return 0;
    printf("PropertyString connectionId=%u decoded path=tcp.keepalive.params success=%d value=%s\n",
           s->connection_id, rsp->success ? 1 : 0, rsp->value);
    freerds__icp__property_string_response__free_unpacked(rsp, NULL);
    return 1;
}

static int print_logon(const logon_script_t *s, const ProtobufCBinaryData *payload)
{
    Freerds__Icp__LogonUserResponse *rsp =
        freerds__icp__logon_user_response__unpack(NULL, payload->len, payload->data);
    if (!rsp)
        return 0;
    printf("LogonUser connectionId=%u decoded serviceEndpoint=%s maxWidth=%u maxHeight=%u "
           "backendCookie=%s ogonCookie=%s\n",
           s->connection_id, rsp->serviceendpoint, rsp->maxwidth, rsp->maxheight,
           rsp->backendcookie, rsp->ogoncookie);
    freerds__icp__logon_user_response__free_unpacked(rsp, NULL);
    return 1;
}

static const char *step_name(int step)
{
    return step == LOGON_STEP_BULK ? "PropertyBulk"
           : step == LOGON_STEP_KEEPALIVE ? "PropertyString"
                                          : "LogonUser";
}

int logon_print_answer(const logon_script_t *s, int step, int status,
                       const ProtobufCBinaryData *payload)
{
    if (status != FREERDS__PBRPC__RPCSTATUS__SUCCESS) {
        printf("%s connectionId=%u status=%d\n", step_name(step), s->connection_id, status);
        return 0;
    }
    /* An absent payload decodes like an empty one: it fails wherever a field is required. */
    ProtobufCBinaryData empty = { 0, (uint8_t *)"" };
    const ProtobufCBinaryData *p = payload ? payload : &empty;
    int ok = step == LOGON_STEP_BULK       ? print_bulk(s, p)
             : step == LOGON_STEP_KEEPALIVE ? print_keepalive(s, p)
                                            : print_logon(s, p);
    if (!ok)
        printf("%s connectionId=%u rejected: protobuf-c could not decode the answer "
               "(%zu bytes; a required field is missing or the bytes are malformed)\n",
               step_name(step), s->connection_id, p->len);
    return ok;
}
