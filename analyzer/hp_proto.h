/*
 * hp_proto.h - profile.proto (the format of Go pprof, Pyroscope, Parca):
 * writing an hp_profile as a gzipped protobuf, and reading one back.
 *
 * Conventions between the two sides:
 *  - sample types alloc_objects/count, alloc_space/bytes, inuse_objects/count,
 *    inuse_space/bytes (Go pprof's order for heap profiles), default
 *    inuse_space; values are the profile's (scaled) values rounded to int64;
 *  - a location's address is the address looked up (the return address - 1,
 *    as Go pprof stores it); the reader adds the 1 back, so the model keeps
 *    return addresses;
 *  - Function.name is cpprof's short name (what reports print),
 *    Function.system_name the full demangled name; one proto function per
 *    (function, source file) pair, since profile.proto has no per-line file;
 *    inline levels DWARF could not name get a function named "??";
 *  - only executable mappings are written (as Go pprof does); the reader
 *    gives every mapping "r-xp" permissions;
 *  - locations written with lines are read back symbolized: the symbolizer
 *    leaves them alone, so a .pb.gz reports without the binaries.
 * Input is untrusted: the reader checks every length, index and reference.
 */
#ifndef HP_PROTO_H
#define HP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hp_error.h"
#include "hp_profile.h"

/**
 * hp_proto_detect - whether data (already inflated) looks like a protobuf
 * Profile message: not starting like a text profile, and every top-level
 * field well formed up to the last byte.
 */
bool hp_proto_detect(const void *data, size_t len);

/**
 * hp_proto_parse - read a profile.proto message (not compressed) of len bytes.
 * name is used in error messages and recorded as the profile's path.
 * Returns: 0 and *ret (free with hp_profile_free); -EBADMSG for malformed
 *          input, -ENOTSUP for a profile that is not a heap profile (no
 *          inuse_/alloc_ sample type), -ENOMEM; reterr is one line
 *          ("NAME: profile.proto: what"); *ret untouched on failure.
 */
int hp_proto_parse(const char *name, const void *data, size_t len, hp_profile **ret,
                   hp_error *reterr);

/**
 * hp_proto_encode - p as an uncompressed profile.proto message.
 * skip, when not NULL, has one byte per sample: samples with a non-zero byte
 * are left out (those --focus/--ignore dropped), and so are the locations
 * and functions only they use. Every executable mapping is written.
 * Returns: 0 and *ret / *ret_len (malloc()ed, caller frees), or -ENOMEM.
 * Ownership: p and skip are borrowed.
 */
int hp_proto_encode(const hp_profile *p, const uint8_t *skip, uint8_t **ret, size_t *ret_len);

/**
 * hp_proto_gzip - gzip-compress len bytes (deterministic: no name, mtime 0).
 * Returns: 0 and *ret / *ret_len (malloc()ed, caller frees); -EFBIG above
 *          4 GiB; -ENOMEM.
 */
int hp_proto_gzip(const void *data, size_t len, uint8_t **ret, size_t *ret_len);

/** The drop_frames regular expression written: cpprof's allocator frames (RE2/ERE syntax). */
extern const char hp_proto_drop_frames[];

#endif
