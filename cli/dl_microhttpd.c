/* dl_microhttpd.c - libmicrohttpd's functions, resolved on first use (dl_microhttpd.h). */
#include "dl_microhttpd.h"

HP_DLSYM_PROTOTYPE(MHD_start_daemon);
HP_DLSYM_PROTOTYPE(MHD_stop_daemon);
HP_DLSYM_PROTOTYPE(MHD_get_daemon_info);
HP_DLSYM_PROTOTYPE(MHD_lookup_connection_value);
HP_DLSYM_PROTOTYPE(MHD_create_response_from_buffer);
HP_DLSYM_PROTOTYPE(MHD_add_response_header);
HP_DLSYM_PROTOTYPE(MHD_queue_response);
HP_DLSYM_PROTOTYPE(MHD_destroy_response);

int hp_dl_microhttpd(hp_error *err)
{
    static hp_dlib lib;
    return hp_dlopen_many(&lib, HP_SONAME_MICROHTTPD, "--http", err,
                          HP_DLSYM_ARG(MHD_start_daemon), HP_DLSYM_ARG(MHD_stop_daemon),
                          HP_DLSYM_ARG(MHD_get_daemon_info),
                          HP_DLSYM_ARG(MHD_lookup_connection_value),
                          HP_DLSYM_ARG(MHD_create_response_from_buffer),
                          HP_DLSYM_ARG(MHD_add_response_header), HP_DLSYM_ARG(MHD_queue_response),
                          HP_DLSYM_ARG(MHD_destroy_response), NULL);
}
