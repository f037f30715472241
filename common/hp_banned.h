/*
 * hp_banned.h - turns unsafe string functions into compile errors (after git's
 * banned.h). Included last by hp_common.h.
 */
#ifndef HP_BANNED_H
#define HP_BANNED_H

#define HP_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) HP_BANNED(strcpy)
#undef strcat
#define strcat(x, y) HP_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) HP_BANNED(strncpy)
#undef sprintf
#define sprintf(...) HP_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) HP_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) HP_BANNED(strtok)

#endif
