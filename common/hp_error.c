/* hp_error.c - the single helper that records an error message and its code. */
#include "hp_common.h"

#include <stdarg.h>

int hp_error_set(hp_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    err->code = code;
    return code;
}
