/*
 * hp_disasm.h - the data of Perl pprof's --disasm: for every function whose
 * name matches a regular expression and that holds a sampled address, its
 * instructions (objdump's spelling) with the flat and cumulative values of
 * the addresses inside each, grouped by source line as Perl groups them
 * (a "file" row when the file changes, a "source" row per run of
 * instructions of one line). Plain data: the renderer needs nothing else.
 */
#ifndef HP_DISASM_H
#define HP_DISASM_H

#include <stddef.h>
#include <stdint.h>

#include "hp_error.h"
#include "hp_report.h"

typedef enum hp_disasm_kind {
    HP_DISASM_FILE,   /* text: the file name as printed (leading "./" removed, shortened) */
    HP_DISASM_SOURCE, /* line, text (leading blanks removed; "" for a blank line), flat, cum */
    HP_DISASM_INSN,   /* addr (object-relative), text, flat, cum */
} hp_disasm_kind;

typedef struct hp_disasm_row {
    hp_disasm_kind kind;
    uint32_t line;
    uint64_t addr;
    double flat, cum;
    char *text;
} hp_disasm_row;

typedef struct hp_disasm_routine {
    char *name; /* short name */
    double flat, cum;
    hp_disasm_row *rows;
    size_t nrows;
} hp_disasm_routine;

typedef struct hp_disasm {
    hp_disasm_routine *routines;
    size_t nroutines;
    char **warnings; /* "<file>: No such file or directory", "<object>: cannot disassemble: …" */
    size_t nwarnings;
} hp_disasm;

struct hp_symbolize_session;

/**
 * hp_disasm_build - disassemble the routines matching regex.
 * source_path: ':'-separated directories to look for sources in (may be NULL).
 * Returns: 0 and *ret (hp_disasm_free); -EINVAL for a bad expression; -ENOMEM.
 */
int hp_disasm_build(const hp_report *r, struct hp_symbolize_session *ss, const char *regex,
                    const char *source_path, hp_disasm **ret, hp_error *reterr);

/** hp_disasm_free - accepts NULL; returns NULL. */
hp_disasm *hp_disasm_free(hp_disasm *d);

#endif
