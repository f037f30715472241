/* dl_graphviz.c - libcgraph's and libgvc's functions, resolved on first use (dl_graphviz.h). */
#include "dl_graphviz.h"

HP_DLSYM_PROTOTYPE(agclose);
HP_DLSYM_PROTOTYPE(agdelete);
HP_DLSYM_PROTOTYPE(agfstin);
HP_DLSYM_PROTOTYPE(agfstnode);
HP_DLSYM_PROTOTYPE(agfstout);
HP_DLSYM_PROTOTYPE(agget);
HP_DLSYM_PROTOTYPE(agmemread);
HP_DLSYM_PROTOTYPE(agnameof);
HP_DLSYM_PROTOTYPE(agnxtin);
HP_DLSYM_PROTOTYPE(agnxtnode);
HP_DLSYM_PROTOTYPE(agnxtout);
HP_DLSYM_PROTOTYPE(agseterrf);
HP_DLSYM_PROTOTYPE(gvContextPlugins);
HP_DLSYM_PROTOTYPE(gvFreeContext);
HP_DLSYM_PROTOTYPE(gvFreeLayout);
HP_DLSYM_PROTOTYPE(gvLayout);

int hp_dl_graphviz(const char *feature, hp_error *err)
{
    static hp_dlib cgraph, gvc;
    int r = hp_dlopen_many(&cgraph, HP_SONAME_CGRAPH, feature, err,
                           HP_DLSYM_ARG(agclose),
                           HP_DLSYM_ARG(agdelete),
                           HP_DLSYM_ARG(agfstin),
                           HP_DLSYM_ARG(agfstnode),
                           HP_DLSYM_ARG(agfstout),
                           HP_DLSYM_ARG(agget),
                           HP_DLSYM_ARG(agmemread),
                           HP_DLSYM_ARG(agnameof),
                           HP_DLSYM_ARG(agnxtin),
                           HP_DLSYM_ARG(agnxtnode),
                           HP_DLSYM_ARG(agnxtout),
                           HP_DLSYM_ARG(agseterrf),
                           NULL);
    if (r < 0)
        return r;
    return hp_dlopen_many(&gvc, HP_SONAME_GVC, feature, err,
                          HP_DLSYM_ARG(gvContextPlugins),
                          HP_DLSYM_ARG(gvFreeContext),
                          HP_DLSYM_ARG(gvFreeLayout),
                          HP_DLSYM_ARG(gvLayout),
                          NULL);
}
