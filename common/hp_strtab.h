/*
 * hp_strtab.h - string interning: each distinct string gets a dense uint32 id
 * (0 is always ""). Strings live in the table's own arena and stay valid until
 * hp_strtab_free. Used by the profile model for function names and file names.
 */
#ifndef HP_STRTAB_H
#define HP_STRTAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct hp_strtab hp_strtab;

/** hp_strtab_new - empty table holding "" as id 0. Returns: new table or NULL. */
hp_strtab *hp_strtab_new(void);
/** hp_strtab_free - accepts NULL; returns NULL. */
hp_strtab *hp_strtab_free(hp_strtab *t);
/** hp_strtab_reserve - make room for n more strings without regrowing.
 * Returns: 0 or -ENOMEM (the table unchanged). */
int hp_strtab_reserve(hp_strtab *t, size_t n);
/** hp_strtab_intern - id of the n bytes at s, adding them if new. Returns: id >= 0 or -ENOMEM. */
int64_t hp_strtab_intern(hp_strtab *t, const char *s, size_t n);
/** hp_strtab_get - the string of an id (borrowed, valid until hp_strtab_free); "" for a bad id. */
const char *hp_strtab_get(const hp_strtab *t, uint32_t id);
/** hp_strtab_count - number of strings, "" included. */
uint32_t hp_strtab_count(const hp_strtab *t);

#endif
