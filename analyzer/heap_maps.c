/*
 * heap_maps.c - one line of a .heap file's MAPPED_LIBRARIES / "--- Memory
 * map:" section into a mapping of the profile: /proc/self/maps lines
 * ("start-end perms offset dev inode [path]") and the old cooked lines of
 * DumpAddressMap ("40000000-40015000: /lib/ld-2.3.2.so"), read as Perl
 * pprof's ParseLibraries reads them. Pseudo-paths ([vdso], [heap], [stack])
 * are kept as the mapping's path.
 */
#include "hp_common.h"
#include "hp_heap.h"
#include "heap_lex.h"

static int add(hp_profile *p, const hp_mapping *m, const char *path, size_t n)
{
    int64_t id = hp_strtab_intern(p->strings, path, n);
    if (id < 0)
        return -ENOMEM;
    hp_mapping copy = *m;
    copy.path = (uint32_t)id;
    return hp_profile_add_mapping(p, &copy) < 0 ? -ENOMEM : 0;
}

/* Perl: /^\s*($h)-($h):\s*(\S+\.so(\.\d+)*)/ - a library mapped from offset
 * 0, executable; the path ends after the last ".so" and its version numbers. */
static int cooked_line(hp_profile *p, hp_mapping *m, const char *s, const char *end)
{
    skip_ws(&s, end);
    const char *tok = s;
    while (s < end && !is_ws(*s))
        s++;
    const char *so = NULL;
    for (const char *q = tok; q + 3 <= s; q++)
        if (q > tok && q[0] == '.' && q[1] == 's' && q[2] == 'o')
            so = q;
    if (!so)
        return 0;
    const char *e = so + 3;
    while (e + 1 < s && e[0] == '.' && e[1] >= '0' && e[1] <= '9') {
        e++;
        while (e < s && *e >= '0' && *e <= '9')
            e++;
    }
    memcpy(m->perms, "r-xp", 5);
    return add(p, m, tok, (size_t)(e - tok));
}

int hp_heap_maps_line(hp_profile *p, const char *line, size_t len)
{
    const char *s = line, *end = line + len;
    hp_mapping m = {0};
    skip_ws(&s, end);
    if (scan_hex(&s, end, &m.start) < 0 || s >= end || *s++ != '-' ||
        scan_hex(&s, end, &m.limit) < 0 || m.limit < m.start)
        return 0; /* odd lines are skipped, as both reference tools do */
    if (s < end && *s == ':')
        return cooked_line(p, &m, s + 1, end);
    skip_ws(&s, end);
    if (end - s < 4)
        return 0;
    memcpy(m.perms, s, 4);
    s += 4;
    if (s < end && !is_ws(*s))
        return 0;
    skip_ws(&s, end);
    if (scan_hex(&s, end, &m.offset) < 0)
        return 0;
    skip_ws(&s, end);
    while (s < end && !is_ws(*s)) /* device */
        s++;
    skip_ws(&s, end);
    int64_t inode = 0;
    if (parse_count(&s, end, &inode) < 0)
        return 0;
    m.inode = (uint64_t)inode;
    skip_ws(&s, end);
    const char *path_end = end;
    while (path_end > s && is_ws(path_end[-1]))
        path_end--;
    return add(p, &m, s, (size_t)(path_end - s));
}
