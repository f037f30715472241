/*
 * dwarf_compat.h - shims over the libdwarf API differences between Debian's
 * libdwarf 20210528 (dwarf_init_b with an access argument, dwarf_finish with
 * an error pointer, no dwarf_dealloc_error, dwarf_elf_init_b) and libdwarf
 * 0.x. Included through dwarf_die.h, after libdwarf.h.
 *
 * hp_dwarf_init_fd opens a session on the sections of an ELF file
 * (dwarf_sections.c, which must outlive the session: hp_dw_elf_end after
 * hp_dwarf_finish). With 20210528 libdwarf is handed them through its
 * object-access interface (dwarf_object_init_b): it reads them in place from
 * the mapping, compressed ones inflated by dwarf_sections.c with libdeflate
 * or libzstd, and never sees the sections the symbolizer does not use.
 * libdwarf 0.x (whose access interface differs) opens the file itself with
 * dwarf_init_b; the sections are then only checked.
 */
#ifndef HP_DWARF_COMPAT_H
#define HP_DWARF_COMPAT_H

#include "symbolizer-internal.h"

typedef struct hp_dw_elf {
    hp_dw_sections *secs;
#ifndef DW_LIBDWARF_VERSION_MAJOR
    Dwarf_Obj_Access_Interface iface; /* libdwarf keeps a pointer to it */
#endif
} hp_dw_elf;

static inline void hp_dw_elf_end(hp_dw_elf *e)
{
    e->secs = hp_dw_sections_free(e->secs);
}

/* libdwarf 0.x defines DW_LIBDWARF_VERSION_MAJOR; 20210528 does not. */
#ifdef DW_LIBDWARF_VERSION_MAJOR
#define hp_dwarf_init_fd(fd, e, errhand, errarg, dbg, err)                                         \
    ((void)(e), dwarf_init_b((fd), DW_GROUPNUMBER_ANY, (errhand), (errarg), (dbg), (err)))
#define hp_dwarf_finish(dbg)             dwarf_finish(dbg)
#define hp_dwarf_dealloc_error(dbg, err) dwarf_dealloc_error((dbg), (err))
#else
static inline int hp_dwobj_section_info(void *obj, Dwarf_Half i, Dwarf_Obj_Access_Section *ret,
                                        int *err)
{
    hp_dw_section_info si;
    (void)err;
    if (!hp_dw_sections_info(obj, i, &si))
        return DW_DLV_NO_ENTRY;
    *ret = (Dwarf_Obj_Access_Section){.addr = si.addr,
                                      .type = si.type,
                                      .size = si.size,
                                      .name = si.name,
                                      .link = si.link,
                                      .info = si.info,
                                      .entrysize = si.entsize};
    return DW_DLV_OK;
}

static inline Dwarf_Endianness hp_dwobj_byte_order(void *obj)
{
    return hp_dw_sections_big_endian(obj) ? DW_OBJECT_MSB : DW_OBJECT_LSB;
}

static inline Dwarf_Small hp_dwobj_size(void *obj)
{
    return hp_dw_sections_is64(obj) ? 8 : 4;
}

static inline Dwarf_Unsigned hp_dwobj_count(void *obj)
{
    return hp_dw_sections_count(obj);
}

static inline int hp_dwobj_load(void *obj, Dwarf_Half i, Dwarf_Small **ret, int *err)
{
    const unsigned char *p = NULL;
    int r = hp_dw_sections_map(obj, i, &p); /* a streamed one: dwarf.c inflates before reading */
    if (r == -ENOENT)
        return DW_DLV_NO_ENTRY;
    if (r < 0) {
        *err = DW_DLE_ZLIB_UNCOMPRESS_ERROR;
        return DW_DLV_ERROR;
    }
    *ret = (Dwarf_Small *)p; /* libdwarf only reads it */
    return DW_DLV_OK;
}

static inline int hp_dwarf_init_fd(int fd, hp_dw_elf *e, Dwarf_Handler errhand, Dwarf_Ptr errarg,
                                   Dwarf_Debug *dbg, Dwarf_Error *err)
{
    static const Dwarf_Obj_Access_Methods hp_dwobj_methods = {
        .get_section_info = hp_dwobj_section_info,
        .get_byte_order = hp_dwobj_byte_order,
        .get_length_size = hp_dwobj_size,
        .get_pointer_size = hp_dwobj_size,
        .get_section_count = hp_dwobj_count,
        .load_section = hp_dwobj_load,
    };
    (void)fd;
    e->iface = (Dwarf_Obj_Access_Interface){.object = e->secs, .methods = &hp_dwobj_methods};
    return dwarf_object_init_b(&e->iface, errhand, errarg, DW_GROUPNUMBER_ANY, dbg, err);
}
static inline int hp_dwarf_finish(Dwarf_Debug dbg)
{
    Dwarf_Error e = NULL;
    return dwarf_finish(dbg, &e);
}
#define hp_dwarf_dealloc_error(dbg, err) dwarf_dealloc((dbg), (err), DW_DLA_ERROR)
#endif

#endif
