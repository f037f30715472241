/*
 * dl_graphviz.h - graphviz's libcgraph and libgvc (the call-graph images'
 * layout) loaded on first use: the functions gv.c calls, as pointers typed
 * from graphviz's own prototypes (common/hp_dlopen.h says why).
 */
#ifndef HP_DL_GRAPHVIZ_H
#define HP_DL_GRAPHVIZ_H

#include "hp_dlopen.h"

#include <gvc.h>

extern HP_DLSYM_PROTOTYPE(agclose);
extern HP_DLSYM_PROTOTYPE(agdelete);
extern HP_DLSYM_PROTOTYPE(agfstin);
extern HP_DLSYM_PROTOTYPE(agfstnode);
extern HP_DLSYM_PROTOTYPE(agfstout);
extern HP_DLSYM_PROTOTYPE(agget);
extern HP_DLSYM_PROTOTYPE(agmemread);
extern HP_DLSYM_PROTOTYPE(agnameof);
extern HP_DLSYM_PROTOTYPE(agnxtin);
extern HP_DLSYM_PROTOTYPE(agnxtnode);
extern HP_DLSYM_PROTOTYPE(agnxtout);
extern HP_DLSYM_PROTOTYPE(agseterrf);
extern HP_DLSYM_PROTOTYPE(gvContextPlugins);
extern HP_DLSYM_PROTOTYPE(gvFreeContext);
extern HP_DLSYM_PROTOTYPE(gvFreeLayout);
extern HP_DLSYM_PROTOTYPE(gvLayout);

/* Loads libcgraph and libgvc (once); err says "FEATURE: cannot load libX.so.N: why". */
int hp_dl_graphviz(const char *feature, hp_error *err);

#endif
