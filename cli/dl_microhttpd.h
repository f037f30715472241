/*
 * dl_microhttpd.h - libmicrohttpd (--http) loaded on first use: the functions
 * web.c calls, as pointers typed from microhttpd.h's own prototypes
 * (common/hp_dlopen.h says why).
 */
#ifndef HP_DL_MICROHTTPD_H
#define HP_DL_MICROHTTPD_H

#include "hp_dlopen.h"

#include <sys/socket.h>
#include <microhttpd.h>

extern HP_DLSYM_PROTOTYPE(MHD_start_daemon);
extern HP_DLSYM_PROTOTYPE(MHD_stop_daemon);
extern HP_DLSYM_PROTOTYPE(MHD_get_daemon_info);
extern HP_DLSYM_PROTOTYPE(MHD_lookup_connection_value);
extern HP_DLSYM_PROTOTYPE(MHD_create_response_from_buffer);
extern HP_DLSYM_PROTOTYPE(MHD_add_response_header);
extern HP_DLSYM_PROTOTYPE(MHD_queue_response);
extern HP_DLSYM_PROTOTYPE(MHD_destroy_response);

/* Loads libmicrohttpd (once); err says "--http: cannot load libmicrohttpd.so.N: why". */
int hp_dl_microhttpd(hp_error *err);

#endif
