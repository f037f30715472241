/*
 * xml.c - text for the SVG writers (draw.c, flame.c, trend.c): XML character
 * data and attribute values with &, <, > and " escaped, either byte for byte
 * or as UTF-8 characters with control characters and invalid sequences
 * replaced by '?' (which XML parsers reject) and an optional length cap.
 */
#include "hp_common.h"
#include "render-internal.h"

/* One character of k bytes at c, escaped. */
static void put_char(FILE *out, const char *c, size_t k)
{
    switch (*c) {
    case '&':
        fputs("&amp;", out);
        break;
    case '<':
        fputs("&lt;", out);
        break;
    case '>':
        fputs("&gt;", out);
        break;
    case '"':
        fputs("&quot;", out);
        break;
    default:
        fwrite(c, 1, k, out);
        break;
    }
}

void hp_xml_puts(FILE *out, const char *s)
{
    for (; *s; s++)
        put_char(out, s, 1);
}

size_t hp_utf8_len(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = s[0] < 0x80             ? 1
               : (s[0] & 0xe0) == 0xc0 ? 2
               : (s[0] & 0xf0) == 0xe0 ? 3
               : (s[0] & 0xf8) == 0xf0 ? 4
                                       : 0;
    if (n == 2 && s[0] < 0xc2)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

size_t hp_utf8_chars(const char *s)
{
    size_t n = 0;
    while (*s) {
        size_t k = hp_utf8_len(s);
        s += k ? k : 1;
        n++;
    }
    return n;
}

void hp_xml_puts_utf8(FILE *out, const char *s, size_t max)
{
    for (size_t n = 0; *s && n < max; n++) {
        size_t k = hp_utf8_len(s);
        if (k == 0 || (k == 1 && (unsigned char)*s < 0x20)) {
            fputc('?', out);
            s++;
            continue;
        }
        put_char(out, s, k);
        s += k;
    }
}
