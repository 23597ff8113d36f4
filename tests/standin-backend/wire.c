/* Frame and protobuf coding for the stand-in backend: see wire.h. */
#include "wire.h"

#include <string.h>

enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_FIXED32 = 5 };

struct reader {
	const uint8_t *p;
	const uint8_t *end;
};

static int read_varint(struct reader *r, uint64_t *value)
{
	uint64_t v = 0;
	/* A varint is at most 10 bytes; more is malformed, not a reason to read on. */
	for (int shift = 0; shift < 70; shift += 7) {
		if (r->p >= r->end)
			return -1;
		uint8_t b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*value = v;
			return 0;
		}
	}
	return -1;
}

static int skip_bytes(struct reader *r, uint64_t n)
{
	if (n > (uint64_t)(r->end - r->p))
		return -1;
	r->p += n;
	return 0;
}

/* Skips a field we do not use, so that a newer peer's extra fields do no harm. */
static int skip_field(struct reader *r, unsigned wire_type)
{
	uint64_t v;
	switch (wire_type) {
	case WT_VARINT:
		return read_varint(r, &v);
	case WT_FIXED64:
		return skip_bytes(r, 8);
	case WT_FIXED32:
		return skip_bytes(r, 4);
	case WT_LEN:
		if (read_varint(r, &v) < 0)
			return -1;
		return skip_bytes(r, v);
	default:
		return -1; /* groups (3, 4) are not used by backend.proto */
	}
}

/* Reads the next tag; 1 if there is one, 0 at the end, -1 if malformed. */
static int next_field(struct reader *r, uint32_t *field, unsigned *wire_type)
{
	uint64_t key;
	if (r->p == r->end)
		return 0;
	if (read_varint(r, &key) < 0 || (key >> 3) == 0 || (key >> 3) > UINT32_MAX)
		return -1;
	*field = (uint32_t)(key >> 3);
	*wire_type = (unsigned)(key & 7);
	return 1;
}

/* A uint32 field; a varint wider than 32 bits keeps its low bits, as protobuf does. */
static int read_uint32(struct reader *r, unsigned wire_type, uint32_t *out)
{
	uint64_t v;
	if (wire_type != WT_VARINT || read_varint(r, &v) < 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int be_read_header(const uint8_t *h, uint16_t *type, uint32_t *length)
{
	*type = (uint16_t)(h[0] | h[1] << 8);
	*length = (uint32_t)h[2] | (uint32_t)h[3] << 8 | (uint32_t)h[4] << 16 | (uint32_t)h[5] << 24;
	return *length > BE_MAX_PAYLOAD ? -1 : 0;
}

int be_decode_version(const uint8_t *buf, size_t len, struct be_version *out)
{
	struct reader r = { buf, buf + len };
	uint32_t field;
	unsigned wt;
	int more;
	memset(out, 0, sizeof(*out));
	while ((more = next_field(&r, &field, &wt)) == 1) {
		if (field == 1) {
			if (read_uint32(&r, wt, &out->major) < 0)
				return -1;
		} else if (field == 2) {
			if (read_uint32(&r, wt, &out->minor) < 0)
				return -1;
		} else if (field == 3) {
			uint64_t n;
			if (wt != WT_LEN || read_varint(&r, &n) < 0 || n > BE_MAX_COOKIE || n > (uint64_t)(r.end - r.p))
				return -1;
			memcpy(out->cookie, r.p, n);
			out->cookie[n] = '\0';
			out->cookie_len = n;
			out->has_cookie = 1;
			r.p += n;
		} else if (skip_field(&r, wt) < 0) {
			return -1;
		}
	}
	return more;
}

int be_decode_capabilities(const uint8_t *buf, size_t len, struct be_capabilities *out)
{
	struct reader r = { buf, buf + len };
	uint32_t *fields[] = { &out->version, &out->width, &out->height, &out->color_depth,
			       &out->keyboard_layout, &out->keyboard_type, &out->keyboard_subtype, &out->client_id };
	uint32_t field;
	unsigned wt;
	int more;
	memset(out, 0, sizeof(*out));
	while ((more = next_field(&r, &field, &wt)) == 1) {
		int rc = field <= 8 ? read_uint32(&r, wt, fields[field - 1]) : skip_field(&r, wt);
		if (rc < 0)
			return -1;
	}
	return more;
}

struct writer {
	uint8_t *p;
	uint8_t *end;
	int overflow;
};

static void put_byte(struct writer *w, uint8_t b)
{
	if (w->p < w->end)
		*w->p++ = b;
	else
		w->overflow = 1;
}

static void put_varint(struct writer *w, uint64_t v)
{
	while (v >= 0x80) {
		put_byte(w, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	put_byte(w, (uint8_t)v);
}

static void put_uint32_field(struct writer *w, uint32_t field, uint32_t v)
{
	put_varint(w, (uint64_t)field << 3 | WT_VARINT);
	put_varint(w, v);
}

/* Starts a frame: the header's length is filled in by end_frame once the payload is known. */
static struct writer begin_frame(uint8_t *out, size_t cap, uint16_t type)
{
	struct writer w = { out, out + cap, cap < BE_HEADER_SIZE };
	if (!w.overflow) {
		out[0] = (uint8_t)type;
		out[1] = (uint8_t)(type >> 8);
		w.p += BE_HEADER_SIZE;
	}
	return w;
}

static size_t end_frame(uint8_t *out, const struct writer *w)
{
	if (w->overflow)
		return 0;
	size_t total = (size_t)(w->p - out);
	uint32_t len = (uint32_t)(total - BE_HEADER_SIZE);
	for (int i = 0; i < 4; i++)
		out[2 + i] = (uint8_t)(len >> (8 * i));
	return total;
}

size_t be_encode_version_reply(uint8_t *out, size_t cap, uint32_t major, uint32_t minor, const char *cookie, size_t cookie_len)
{
	struct writer w = begin_frame(out, cap, BE_VERSION_REPLY);
	put_uint32_field(&w, 1, major);
	put_uint32_field(&w, 2, minor);
	put_varint(&w, 3 << 3 | WT_LEN);
	put_varint(&w, cookie_len);
	for (size_t i = 0; i < cookie_len; i++)
		put_byte(&w, (uint8_t)cookie[i]);
	return end_frame(out, &w);
}

size_t be_encode_framebuffer_info(uint8_t *out, size_t cap, const struct be_framebuffer_info *info)
{
	const uint32_t values[] = { info->version, info->width, info->height, info->scanline,
				    info->bits_per_pixel, info->bytes_per_pixel, info->user_id, info->flags };
	struct writer w = begin_frame(out, cap, BE_FRAMEBUFFER_INFO);
	for (uint32_t i = 0; i < 8; i++)
		put_uint32_field(&w, i + 1, values[i]);
	return end_frame(out, &w);
}
