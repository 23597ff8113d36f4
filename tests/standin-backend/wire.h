/* The ogon backend protocol as the stand-in needs it (shared/spec/SESSIONS.md §3.4): frames of
 * uint16 type + uint32 length (little-endian) + protobuf, and the few messages of a logon.
 * Hand-coded so the stand-in needs no protobuf library; every length read is bounded. */
#ifndef STANDIN_WIRE_H
#define STANDIN_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* inc/backend.h numbers (not backend.proto's MSGTYPE). */
enum {
	BE_FRAMEBUFFER_INFO = 1,
	BE_VERSION_REPLY = 7,
	BE_CAPABILITIES = 8,
	BE_VERSION = 20,
};

#define BE_HEADER_SIZE 6
/* RDS→backend messages are small (input, sync, a message box's strings); a larger frame is an
 * error rather than something to buffer. */
#define BE_MAX_PAYLOAD 65536
#define BE_MAX_COOKIE 1024

struct be_version {
	uint32_t major;
	uint32_t minor;
	int has_cookie;
	size_t cookie_len;
	char cookie[BE_MAX_COOKIE + 1];
};

struct be_capabilities {
	uint32_t version;
	uint32_t width;
	uint32_t height;
	uint32_t color_depth;
	uint32_t keyboard_layout;
	uint32_t keyboard_type;
	uint32_t keyboard_subtype;
	uint32_t client_id;
};

struct be_framebuffer_info {
	uint32_t version;
	uint32_t width;
	uint32_t height;
	uint32_t scanline;
	uint32_t bits_per_pixel;
	uint32_t bytes_per_pixel;
	uint32_t user_id;
	uint32_t flags;
};

/* Reads a frame header; returns 0, or -1 when the payload is longer than BE_MAX_PAYLOAD. */
int be_read_header(const uint8_t *header, uint16_t *type, uint32_t *length);

/* Decoders: 0 on success, -1 on malformed protobuf (truncated varint, length past the end,
 * group wire types, an over-long cookie). Unknown fields are skipped. */
int be_decode_version(const uint8_t *buf, size_t len, struct be_version *out);
int be_decode_capabilities(const uint8_t *buf, size_t len, struct be_capabilities *out);

/* Encoders write a whole frame (header included) into out; they return its length, or 0 when
 * out (of size cap) is too small. */
size_t be_encode_version_reply(uint8_t *out, size_t cap, uint32_t major, uint32_t minor, const char *cookie, size_t cookie_len);
size_t be_encode_framebuffer_info(uint8_t *out, size_t cap, const struct be_framebuffer_info *info);

#endif
