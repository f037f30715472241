/*
 * dl_capstone.h - capstone (--disasm) loaded on first use: the functions
 * disasm.c calls, as pointers typed from capstone's own prototypes
 * (common/hp_dlopen.h says why).
 */
#ifndef HP_DL_CAPSTONE_H
#define HP_DL_CAPSTONE_H

#include "hp_dlopen.h"

#include <capstone/capstone.h>

extern HP_DLSYM_PROTOTYPE(cs_open);
extern HP_DLSYM_PROTOTYPE(cs_close);
extern HP_DLSYM_PROTOTYPE(cs_option);
extern HP_DLSYM_PROTOTYPE(cs_malloc);
extern HP_DLSYM_PROTOTYPE(cs_free);
extern HP_DLSYM_PROTOTYPE(cs_disasm_iter);
extern HP_DLSYM_PROTOTYPE(cs_insn_name);
extern HP_DLSYM_PROTOTYPE(cs_insn_group);

/* Loads capstone (once); err says "FEATURE: cannot load libcapstone.so.N: why" when it cannot. */
int hp_dl_capstone(const char *feature, hp_error *err);

#endif
