/*
 * fuzz-dwarf-lines.c - fuzz target for the line-table reader (symbolizer/
 * dwarf_lines.c). The input is: a flags byte (bit 0: big-endian), the sizes
 * of a .debug_str and a .debug_line_str (two little-endian 16-bit numbers),
 * those two sections, then the .debug_line section (the rest). Each part is
 * copied to a buffer of its own size, so that a read past one is caught by
 * ASan. The table at offset 0 is decoded, then the tables that follow it
 * (by their unit lengths, up to 64), each into the same reused buffers; the
 * result is walked so that a bad file or string pointer would be touched.
 * Seeds: testdata/fuzz/fuzz-dwarf-lines (scripts/make-lines-fuzz.sh).
 */
#include "hp_common.h"

#include "fuzz-copy.h"
#include "symbolizer-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The offset of the table after the one at off, or size when none. */
static size_t next_table(const unsigned char *sec, size_t size, size_t off, bool big_endian)
{
    if (size - off < 4)
        return size;
    uint64_t len = 0, hdr = 4;
    for (unsigned i = 0; i < 4; i++)
        len |= (uint64_t)sec[off + (big_endian ? 3 - i : i)] << (8 * i);
    if (len == 0xffffffffu) {
        if (size - off < 12)
            return size;
        len = 0;
        for (unsigned i = 0; i < 8; i++)
            len |= (uint64_t)sec[off + 4 + (big_endian ? 7 - i : i)] << (8 * i);
        hdr = 12;
    }
    if (len > size - off - hdr)
        return size;
    return off + (size_t)(hdr + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5 || size > (4u << 20))
        return 0;
    bool big_endian = data[0] & 1;
    size_t str_n = data[1] | (size_t)data[2] << 8, line_str_n = data[3] | (size_t)data[4] << 8;
    if (size - 5 < str_n + line_str_n)
        return 0;
    const uint8_t *p = data + 5;
    unsigned char *str = fuzz_copy(p, str_n), *line_str = fuzz_copy(p + str_n, line_str_n);
    size_t line_n = size - 5 - str_n - line_str_n;
    unsigned char *line = fuzz_copy(p + str_n + line_str_n, line_n);
    hp_dw_line_strs strs = {.str = str_n ? str : NULL,
                            .str_n = str_n,
                            .line_str = line_str_n ? line_str : NULL,
                            .line_str_n = line_str_n};
    hp_dw_line_table t = {0};
    size_t sum = 0;
    for (size_t off = 0, k = 0; str && line_str && line && off < line_n && k < 64; k++) {
        if (hp_dw_lines_read(line, line_n, off, big_endian, &strs, &t) == 0) {
            for (size_t i = 0; i < t.nfiles; i++)
                sum += (t.files[i].name ? strlen(t.files[i].name) : 0) +
                       (t.files[i].dir ? strlen(t.files[i].dir) : 0);
            for (size_t i = 0; i < t.nrows; i++)
                sum += t.rows[i].line + t.rows[i].endseq;
            if ((int64_t)t.nfiles != t.file_end - t.file_base)
                abort();
        }
        off = next_table(line, line_n, off, big_endian);
    }
    (void)sum;
    hp_dw_lines_release(&t);
    free(str);
    free(line_str);
    free(line);
    return 0;
}
