/*
 * search.c - finding the files of one object: the object itself (override,
 * recorded path, " (deleted)", search path by basename and by build-id
 * directory), its separate debug file (build-id, .gnu_debuglink, search path
 * build-id directories and .gnu_debuglink names, /usr/lib/debug<path>) and its dwz supplementary file
 * (.gnu_debugaltlink or .debug_sup). Candidates are checked against the
 * object's build-id (or the .gnu_debuglink CRC); a candidate that belongs to
 * another build is never used, and the first one rejected is reported in a
 * one-line note (hp_symobj_warning). When debuginfod is on (ss->dbgd), it is
 * asked last, by build-id, for the debug file of an object without DWARF,
 * for a dwz file and for an object given by build-id; what it serves is
 * checked like any other candidate, and its answer goes into the note.
 *
 * Search path rules (legacy heap profiles carry no build-ids):
 *  - the recorded path is used when it exists, unless the first search-path
 *    candidate by name (DIR/basename, DIR/<recorded path>) is a different
 *    build (both have build-ids and they differ): an explicit search path
 *    means "these are the binaries of the profile", so that copy is used and
 *    the note says so;
 *  - when the recorded path does not exist, the first candidate by name is
 *    used; a later candidate of another build is named in the note;
 *  - failing those, Go pprof's layout DIR/<build-id>/basename: used when the
 *    directories of the search path hold exactly one build of that name whose
 *    build-id equals its directory name; several builds are ambiguous (error,
 *    naming two of them).
 */
#include "hp_common.h"

#include <dirent.h>
#include <sys/stat.h>

#include "hp_buf.h"
#include "hp_str.h"
#include "symbolizer-internal.h"

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A message kept in the session's strings. */
#define note(ss, ...) hp_sym_internf((ss)->strs, __VA_ARGS__)

#define ID(f) ((f)->build_id ? (f)->build_id : "none")

/* Opens path when it is a regular file; ENOEXEC and ENOMEM win over ENOENT in *worst. */
static hp_elf_file *try_open(const hp_sym_search *ss, const char *path, int *worst,
                             hp_error *reterr)
{
    if (!is_file(path))
        return NULL;
    hp_elf_file *f = NULL;
    hp_error e = {0};
    int r = hp_elf_open(path, ss->strs, &f, &e);
    if (r < 0 && (*worst == -ENOENT || r == -ENOMEM)) {
        *worst = r;
        if (reterr)
            *reterr = e;
    }
    return r < 0 ? NULL : f;
}

static bool other_build(const hp_elf_file *a, const hp_elf_file *b)
{
    return a->build_id && b->build_id && a->build_id != b->build_id; /* interned */
}

/* Search-path candidates by name, in order: DIR/basename, DIR/<recorded path>. */
static hp_elf_file *search_by_name(const hp_sym_search *ss, const char *stripped,
                                   const hp_elf_file *have, int *worst, const char **ret_note,
                                   hp_error *reterr)
{
    hp_buf b = HP_BUF_INIT;
    hp_elf_file *found = NULL;
    for (const char *sp = ss->search_path; *sp;) {
        const char *colon = strchr(sp, ':');
        size_t n = colon ? (size_t)(colon - sp) : strlen(sp);
        for (int k = 0; k < 2 && n; k++) {
            if (k == 1 && stripped[0] != '/')
                break;
            hp_buf_reset(&b);
            hp_buf_addf(&b, k ? "%.*s%s" : "%.*s/%s", (int)n, sp,
                        k ? stripped : hp_base_name(stripped));
            hp_elf_file *c = hp_buf_ok(&b) ? try_open(ss, b.buf, worst, reterr) : NULL;
            if (!c)
                continue;
            const hp_elf_file *ref = found ? found : have;
            if (!ref) {
                found = c; /* recorded path missing: the first one, then look for others */
                continue;
            }
            if (other_build(ref, c))
                *ret_note = found ? note(ss, "the search path also holds '%s', another build "
                                             "(build-id %s)", c->path, ID(c))
                                  : note(ss, "using '%s' from the search path: '%s' is another "
                                             "build (build-id %s)", c->path, ref->path, ID(ref));
            if (!found && *ret_note) {
                found = c;
                goto out;
            }
            hp_elf_close(c);
            if (!found || *ret_note)
                goto out; /* the first candidate decides */
        }
        sp += n + (colon ? 1 : 0);
    }
out:
    hp_buf_release(&b);
    return found;
}

static bool is_hex_name(const char *s)
{
    size_t n = strspn(s, "0123456789abcdef");
    return n >= 8 && !s[n];
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Go pprof's DIR/<build-id>/basename: the one build of that name in the search path. */
static hp_elf_file *search_by_build_id(const hp_sym_search *ss, const char *base, int *worst,
                                       hp_error *reterr)
{
    hp_buf b = HP_BUF_INIT;
    hp_elf_file *found = NULL;
    const char *other = NULL, *mismatch = NULL;
    for (const char *sp = ss->search_path; *sp && !other;) {
        const char *colon = strchr(sp, ':');
        size_t n = colon ? (size_t)(colon - sp) : strlen(sp);
        struct dirent **ents = NULL;
        int nents = -1;
        hp_buf_reset(&b);
        hp_buf_add(&b, sp, n);
        if (n && hp_buf_ok(&b))
            nents = scandir(b.buf, &ents, NULL, by_name);
        for (int i = 0; i < nents; i++) {
            if (!other && is_hex_name(ents[i]->d_name)) {
                hp_buf_reset(&b);
                hp_buf_addf(&b, "%.*s/%s/%s", (int)n, sp, ents[i]->d_name, base);
                hp_elf_file *c = hp_buf_ok(&b) ? try_open(ss, b.buf, worst, reterr) : NULL;
                if (c && (!c->build_id || strcmp(c->build_id, ents[i]->d_name))) {
                    if (!mismatch)
                        mismatch = note(ss, "'%s' has build-id %s, not that of its directory",
                                        c->path, ID(c));
                    hp_elf_close(c);
                } else if (c && found && found->build_id != c->build_id) {
                    other = c->path;
                    hp_elf_close(c);
                } else if (c && !found) {
                    found = c;
                } else {
                    hp_elf_close(c);
                }
            }
            free(ents[i]);
        }
        free(ents);
        sp += n + (colon ? 1 : 0);
    }
    hp_buf_release(&b);
    if (other) {
        hp_error_set(reterr, -ENOENT, "the search path holds several builds of '%s' ('%s', '%s'):"
                     " the profile does not say which one ran", base, found->path, other);
        *worst = -EEXIST; /* error already set */
        return hp_elf_close(found);
    }
    if (!found && mismatch && *worst == -ENOENT) {
        hp_error_set(reterr, -ENOENT, "build-id mismatch: %s", mismatch);
        *worst = -EEXIST;
    }
    return found;
}

/* Perl pprof's FindLibrary (--lib_prefix): for /a/b/lib.so each prefix P in
 * turn as P/a/b/lib.so, then P/b/lib.so, then P/lib.so; the first regular
 * file, or NULL (then the recorded path is used, as in Perl). */
static char *lib_prefix_find(const hp_sym_search *ss, const char *recorded)
{
    if (!ss->lib_prefix || !*ss->lib_prefix)
        return NULL;
    hp_buf b = HP_BUF_INIT;
    for (const char *suffix = recorded;;) {
        for (const char *p = ss->lib_prefix; *p;) {
            const char *comma = strchr(p, ',');
            size_t n = comma ? (size_t)(comma - p) : strlen(p);
            hp_buf_reset(&b);
            hp_buf_addf(&b, "%.*s%s", (int)n, p, suffix);
            if (n && hp_buf_ok(&b) && is_file(b.buf))
                return hp_buf_detach(&b, NULL);
            p += n + (comma ? 1 : 0);
        }
        const char *next = suffix[0] == '/' ? strchr(suffix + 1, '/') : NULL; /* s|^/[^/]+/|/| */
        if (!next || next == suffix + 1)
            break;
        suffix = next;
    }
    hp_buf_release(&b);
    return NULL;
}

/* hp_sym_find_object; search_only: the search path alone, never the recorded
 * file (nor its --lib_prefix copy). A --lib_prefix copy stands for the
 * recorded file. */
static int find_object(const hp_sym_search *ss, const char *recorded, const char *override,
                       bool search_only, hp_elf_file **ret, const char **ret_note,
                       hp_error *reterr)
{
    int worst = -ENOENT;
    hp_buf b = HP_BUF_INIT;
    char *prefixed = override || search_only ? NULL : lib_prefix_find(ss, recorded);
    const char *want = override ? override : prefixed ? prefixed : recorded;
    static const char deleted[] = " (deleted)";
    size_t len = strlen(want), dl = sizeof(deleted) - 1;
    *ret_note = NULL;

    hp_elf_file *f = search_only ? NULL : try_open(ss, want, &worst, reterr);
    bool del = len > dl && !strcmp(want + len - dl, deleted);
    hp_buf_add(&b, want, del ? len - dl : len);
    if (!hp_buf_ok(&b)) {
        hp_buf_release(&b);
        hp_elf_close(f);
        free(prefixed);
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    }
    if (!f && del && !search_only)
        f = try_open(ss, b.buf, &worst, reterr);
    if (!override && ss->search_path && *ss->search_path && worst != -ENOMEM) {
        hp_elf_file *c = search_by_name(ss, b.buf, f, &worst, ret_note, reterr);
        if (c) {
            hp_elf_close(f);
            f = c;
        }
        if (!f && worst != -ENOMEM)
            f = search_by_build_id(ss, hp_base_name(b.buf), &worst, reterr);
    }
    hp_buf_release(&b);
    if (f) {
        free(prefixed);
        *ret = f;
        return 0;
    }
    if (worst == -ENOENT)
        hp_error_set(reterr, -ENOENT, "cannot find '%s'%s", want,
                     search_only                      ? " in the binary path"
                     : !override && ss->search_path ? " (also searched the binary path)"
                                                    : "");
    free(prefixed);
    return worst == -EEXIST ? -ENOENT : worst;
}

int hp_sym_find_object(const hp_sym_search *ss, const char *recorded, const char *override,
                       hp_elf_file **ret, const char **ret_note, hp_error *reterr)
{
    return find_object(ss, recorded, override, false, ret, ret_note, reterr);
}

int hp_sym_find_in_search_path(const hp_sym_search *ss, const char *recorded, hp_elf_file **ret,
                               const char **ret_note, hp_error *reterr)
{
    return find_object(ss, recorded, NULL, true, ret, ret_note, reterr);
}

int hp_sym_find_object_by_id(const hp_sym_search *ss, const char *recorded, const char *build_id,
                             const char *local, hp_elf_file **ret, const char **ret_note,
                             hp_error *reterr)
{
    *ret_note = NULL;
    const char *path = NULL, *why = NULL;
    int r =
        ss->dbgd ? hp_sym_dbgd_fetch(ss->dbgd, HP_DBGD_EXECUTABLE, build_id, &path, &why) : -ENOENT;
    if (r == -ENOMEM)
        return hp_error_set(reterr, r, "out of memory");
    if (r < 0)
        return hp_error_set(reterr, -ENOENT, "cannot find '%s' (build-id %s)%s%s%s%s", recorded,
                            build_id, local || why ? ": " : "", local ? local : "",
                            local && why ? "; " : "", why ? why : "");
    hp_elf_file *f = NULL;
    hp_error e = {0};
    r = hp_elf_open(path, ss->strs, &f, &e);
    if (r < 0)
        return hp_error_set(reterr, r == -ENOMEM ? r : -ENOENT, "%s (from debuginfod)", e.msg);
    if (!f->build_id || strcmp(f->build_id, build_id)) {
        hp_error_set(reterr, -ENOENT, "build-id mismatch: debuginfod served '%s' for build-id %s",
                     f->path, build_id);
        hp_elf_close(f);
        return -ENOENT;
    }
    if (local)
        *ret_note = note(ss, "%s; executable of build-id %s from debuginfod", local, build_id);
    else
        *ret_note = note(ss, "'%s' not found; executable of build-id %s from debuginfod", recorded,
                         build_id);
    *ret = f;
    return 0;
}

/* ---- debug files ------------------------------------------------------------ */

typedef struct dbg_search {
    const hp_sym_search *ss;
    const hp_elf_file *obj;
    const char *rejected; /* note on the first candidate of another build */
    int nrejected;
} dbg_search;

/* A debug-file candidate matches when its build-id equals the object's; when
 * neither has one, the .gnu_debuglink CRC decides (crc_check), else it is
 * taken on trust (Perl pprof's /usr/lib/debug<path>). */
static hp_elf_file *try_debug(dbg_search *ds, const char *path, bool crc_check)
{
    hp_elf_file *d = NULL;
    const hp_elf_file *obj = ds->obj;
    if (!is_file(path) || hp_elf_open(path, ds->ss->strs, &d, NULL) < 0)
        return NULL;
    if (d == obj || d->path == obj->path) /* the object itself */
        return hp_elf_close(d);
    const char *why = NULL;
    if (obj->build_id || d->build_id) {
        if (obj->build_id != d->build_id)
            why = note(ds->ss, "debug file '%s' rejected: build-id mismatch (its build-id %s, "
                               "the object's %s)", d->path, ID(d), ID(obj));
    } else if (crc_check) {
        uint32_t crc;
        if (hp_file_crc32(d->fd, &crc) < 0 || crc != obj->debuglink_crc)
            why = note(ds->ss, "debug file '%s' rejected: CRC mismatch (not the build "
                               ".gnu_debuglink names)", d->path);
    }
    if (why && !ds->rejected) {
        ds->rejected = why;
        ds->nrejected++;
    }
    if (why || (!d->has_debug_info && !d->has_symtab))
        return hp_elf_close(d);
    return d;
}

hp_elf_file *hp_sym_find_debug(const hp_sym_search *ss, const hp_elf_file *obj,
                               const char **ret_note, bool *ret_rejected)
{
    dbg_search ds = {.ss = ss, .obj = obj};
    hp_buf b = HP_BUF_INIT;
    hp_elf_file *d = NULL;
    const char *fetched = NULL;
    const char *root = ss->debug_root, *id = obj->build_id;
    if (id && strlen(id) > 2) {
        hp_buf_addf(&b, "%s/.build-id/%.2s/%s.debug", root, id, id + 2);
        if (hp_buf_ok(&b) && (d = try_debug(&ds, b.buf, false)))
            goto out;
        /* search path: DIR/<build-id>/basename, DIR/.build-id/xx/rest.debug */
        for (const char *sp = ss->search_path ? ss->search_path : ""; *sp;) {
            const char *colon = strchr(sp, ':');
            int n = colon ? (int)(colon - sp) : (int)strlen(sp);
            for (int k = 0; k < 2 && n; k++) {
                hp_buf_reset(&b);
                if (k == 0)
                    hp_buf_addf(&b, "%.*s/%s/%s", n, sp, id, hp_base_name(obj->path));
                else
                    hp_buf_addf(&b, "%.*s/.build-id/%.2s/%s.debug", n, sp, id, id + 2);
                if (hp_buf_ok(&b) && (d = try_debug(&ds, b.buf, false)))
                    goto out;
            }
            sp += n + (colon ? 1 : 0);
        }
    }
    const char *slash = strrchr(obj->path, '/');
    int dirlen = slash ? (int)(slash - obj->path) : 1;
    const char *dir = slash ? obj->path : ".";
    if (obj->debuglink && strcmp(obj->debuglink, hp_base_name(obj->path)) != 0) {
        hp_buf_reset(&b);
        hp_buf_addf(&b, "%.*s/%s", dirlen, dir, obj->debuglink);
        if (hp_buf_ok(&b) && (d = try_debug(&ds, b.buf, true)))
            goto out;
    }
    if (obj->debuglink) {
        hp_buf_reset(&b);
        hp_buf_addf(&b, "%.*s/.debug/%s", dirlen, dir, obj->debuglink);
        if (hp_buf_ok(&b) && (d = try_debug(&ds, b.buf, true)))
            goto out;
        hp_buf_reset(&b);
        hp_buf_addf(&b, "%s%s%.*s/%s", root, dir[0] == '/' ? "" : "/", dirlen, dir, obj->debuglink);
        if (hp_buf_ok(&b) && (d = try_debug(&ds, b.buf, true)))
            goto out;
        /* the search path: DIR/<debuglink> */
        for (const char *sp = ss->search_path ? ss->search_path : ""; *sp;) {
            const char *colon = strchr(sp, ':');
            int n = colon ? (int)(colon - sp) : (int)strlen(sp);
            hp_buf_reset(&b);
            hp_buf_addf(&b, "%.*s/%s", n, sp, obj->debuglink);
            if (n && hp_buf_ok(&b) && (d = try_debug(&ds, b.buf, true)))
                goto out;
            sp += n + (colon ? 1 : 0);
        }
    }
    if (obj->path[0] == '/') {
        /* Perl pprof: /usr/lib/debug<path> and /usr/lib/debug<path>.debug */
        hp_buf_reset(&b);
        hp_buf_addf(&b, "%s%s", root, obj->path);
        if (hp_buf_ok(&b) && (d = try_debug(&ds, b.buf, false)))
            goto out;
        hp_buf_adds(&b, ".debug");
        if (hp_buf_ok(&b) && (d = try_debug(&ds, b.buf, false)))
            goto out;
    }
    if (ss->dbgd && id && !obj->has_debug_info) {
        const char *path = NULL, *why = NULL;
        if (hp_sym_dbgd_fetch(ss->dbgd, HP_DBGD_DEBUGINFO, id, &path, &why) == 0 &&
            (d = try_debug(&ds, path, false))) {
            fetched = note(ss, "debug info from debuginfod: '%s'", path);
            goto out;
        }
        if (why)
            ds.rejected = ds.rejected ? note(ss, "%s; %s", ds.rejected, why) : why;
    }
out:
    hp_buf_release(&b);
    *ret_note = d ? fetched : ds.rejected;
    *ret_rejected = !d && ds.nrejected;
    return d;
}

/* ---- dwz supplementary files -------------------------------------------------- */

/* Accepts path when it is an ELF file whose build-id (or .debug_sup checksum)
 * is the one f names, or when either side has none. */
static const char *try_alt(const hp_sym_search *ss, const hp_elf_file *f, const char *path,
                           const char **rejected)
{
    hp_elf_file *a = NULL;
    if (!is_file(path) || hp_elf_open(path, ss->strs, &a, NULL) < 0)
        return NULL;
    const char *id = a->sup_checksum ? a->sup_checksum : a->build_id, *r = a->path;
    if (f->altlink_build_id && id && id != f->altlink_build_id) {
        if (!*rejected)
            *rejected = note(ss, "build-id mismatch: dwz file '%s' has build-id %s, %s wants %s",
                             a->path, id, f->path, f->altlink_build_id);
        r = NULL;
    }
    hp_elf_close(a);
    return r;
}

const char *hp_sym_find_alt(const hp_sym_search *ss, const hp_elf_file *f, const char **ret_note)
{
    *ret_note = NULL;
    if (!f->altlink)
        return NULL;
    hp_buf b = HP_BUF_INIT;
    const char *r = NULL, *rejected = NULL, *link = f->altlink, *id = f->altlink_build_id;
    static const char deb[] = "/usr/lib/debug/";
    if (link[0] == '/') {
        r = try_alt(ss, f, link, &rejected);
        /* Debian's /usr/lib/debug/.dwz/...: also under another debug root */
        if (!r && !strncmp(link, deb, sizeof(deb) - 1)) {
            hp_buf_addf(&b, "%s/%s", ss->debug_root, link + sizeof(deb) - 1);
            r = hp_buf_ok(&b) ? try_alt(ss, f, b.buf, &rejected) : NULL;
        }
    } else {
        const char *slash = strrchr(f->path, '/');
        hp_buf_addf(&b, "%.*s%s", slash ? (int)(slash - f->path + 1) : 0, f->path, link);
        r = hp_buf_ok(&b) ? try_alt(ss, f, b.buf, &rejected) : NULL;
    }
    if (!r && id && strlen(id) > 2) {
        hp_buf_reset(&b);
        hp_buf_addf(&b, "%s/.build-id/%.2s/%s.debug", ss->debug_root, id, id + 2);
        r = hp_buf_ok(&b) ? try_alt(ss, f, b.buf, &rejected) : NULL;
    }
    hp_buf_release(&b);
    const char *path = NULL, *why = NULL;
    if (!r && id && ss->dbgd &&
        hp_sym_dbgd_fetch(ss->dbgd, HP_DBGD_DEBUGINFO, id, &path, &why) == 0 &&
        (r = try_alt(ss, f, path, &rejected))) {
        *ret_note = note(ss, "dwz file from debuginfod: '%s'", r);
        return r;
    }
    if (!r)
        *ret_note = rejected ? rejected
                             : note(ss, "dwz file '%s' not found%s%s%s: names from it are missing",
                                    link, why ? " (" : "", why ? why : "", why ? ")" : "");
    return r;
}
