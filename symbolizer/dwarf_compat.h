/*
 * dwarf_compat.h - shims over the libdwarf API differences between Debian's
 * libdwarf 20210528 (dwarf_init_b with an access argument, dwarf_finish with
 * an error pointer, no dwarf_dealloc_error) and libdwarf 0.x. Included by
 * dwarf.c only, after libdwarf.h.
 */
#ifndef HP_DWARF_COMPAT_H
#define HP_DWARF_COMPAT_H

/* libdwarf 0.x defines DW_LIBDWARF_VERSION_MAJOR; 20210528 does not. */
#ifdef DW_LIBDWARF_VERSION_MAJOR
#define hp_dwarf_init_fd(fd, errhand, errarg, dbg, err)                                            \
    dwarf_init_b((fd), DW_GROUPNUMBER_ANY, (errhand), (errarg), (dbg), (err))
#define hp_dwarf_finish(dbg)             dwarf_finish(dbg)
#define hp_dwarf_dealloc_error(dbg, err) dwarf_dealloc_error((dbg), (err))
#else
#define hp_dwarf_init_fd(fd, errhand, errarg, dbg, err)                                            \
    dwarf_init_b((fd), DW_DLC_READ, DW_GROUPNUMBER_ANY, (errhand), (errarg), (dbg), (err))
static inline int hp_dwarf_finish(Dwarf_Debug dbg)
{
    Dwarf_Error e = NULL;
    return dwarf_finish(dbg, &e);
}
#define hp_dwarf_dealloc_error(dbg, err) dwarf_dealloc((dbg), (err), DW_DLA_ERROR)
#endif

#endif
