/*
 * hp_seqtab.h - interning of uint32 sequences (stacks of location or key ids):
 * each distinct sequence gets a dense id, in insertion order. Sequences are
 * copied into the table and stay valid until hp_seqtab_free.
 */
#ifndef HP_SEQTAB_H
#define HP_SEQTAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct hp_seqtab hp_seqtab;

/** hp_seqtab_new - empty table. Returns: new table (hp_seqtab_free) or NULL. */
hp_seqtab *hp_seqtab_new(void);
/** hp_seqtab_free - accepts NULL; returns NULL. */
hp_seqtab *hp_seqtab_free(hp_seqtab *t);
/** hp_seqtab_intern - id of seq[0..n), added if new. Returns: id >= 0 or -ENOMEM. */
int64_t hp_seqtab_intern(hp_seqtab *t, const uint32_t *seq, uint32_t n);
/** hp_seqtab_count - number of distinct sequences. */
size_t hp_seqtab_count(const hp_seqtab *t);
/** hp_seqtab_get - the sequence of id (borrowed); *ret_n its length. */
const uint32_t *hp_seqtab_get(const hp_seqtab *t, uint32_t id, uint32_t *ret_n);

#endif
