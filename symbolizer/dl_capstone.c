/* dl_capstone.c - capstone's functions, resolved on first use (dl_capstone.h). */
#include "dl_capstone.h"

HP_DLSYM_PROTOTYPE(cs_open);
HP_DLSYM_PROTOTYPE(cs_close);
HP_DLSYM_PROTOTYPE(cs_option);
HP_DLSYM_PROTOTYPE(cs_malloc);
HP_DLSYM_PROTOTYPE(cs_free);
HP_DLSYM_PROTOTYPE(cs_disasm_iter);
HP_DLSYM_PROTOTYPE(cs_insn_name);
HP_DLSYM_PROTOTYPE(cs_insn_group);

int hp_dl_capstone(const char *feature, hp_error *err)
{
    static hp_dlib lib;
    return hp_dlopen_many(&lib, HP_SONAME_CAPSTONE, feature, err, HP_DLSYM_ARG(cs_open),
                          HP_DLSYM_ARG(cs_close), HP_DLSYM_ARG(cs_option), HP_DLSYM_ARG(cs_malloc),
                          HP_DLSYM_ARG(cs_free), HP_DLSYM_ARG(cs_disasm_iter),
                          HP_DLSYM_ARG(cs_insn_name), HP_DLSYM_ARG(cs_insn_group), NULL);
}
