/*
 * hp_common.h - the one header every cpprof source file includes first (the
 * collector excepted: it depends on nothing). Pulls in the standard integer
 * types, the project macros, and the banned-function list last.
 */
#ifndef HP_COMMON_H
#define HP_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp_macros.h"
#include "hp_error.h"
#include "hp_alloc.h"

#include "hp_banned.h"

#endif
