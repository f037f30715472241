#!/usr/bin/env python3
"""Trimmed copies of the host's libraries a heap profile's stacks pass
through, with their separate debug files, for testdata/sysroot
(scripts/make-testdata.sh --sysroot runs it; not run in CI).

    make-sysroot.py OUTDIR HEAP...

For each object under /usr or /lib that a stack of HEAP passes through and
whose debug file is installed (/usr/lib/debug/.build-id), writes
OUTDIR/<object's path> and OUTDIR/<object's dir>/.debug/<.gnu_debuglink name>
(where cpprof and addr2line both look for a .gnu_debuglink name), keeping
byte for byte what the symbolizers (cpprof, Perl pprof's addr2line and
objdump) read for those return addresses:

  object      ELF header, program headers, notes (build-id), .shstrtab, the
              section headers (the sections cut off or zeroed become NOBITS)
              and the 16 bytes before each return address (cpprof checks a
              call instruction precedes it); every other byte is zero, the file
              ends after the last of them; .gnu_debuglink names the trimmed
              debug file (its CRC)
  debug file  the compile units covering the addresses (their .debug_info
              bytes, offsets into the other sections renumbered), their
              abbrevs, line programs, strings, range lists and .debug_aranges
              sets; location lists empty; .symtab: the symbols inside those
              units; debug sections zlib-compressed as Debian's are
"""
import os, re, struct, subprocess, sys, tempfile

SHT_NOBITS, SHT_NOTE = 8, 7


def uleb(b, i):
    v = s = 0
    while True:
        x = b[i]; i += 1
        v |= (x & 0x7f) << s; s += 7
        if x < 0x80:
            return v, i


def sleb(b, i):
    v = s = 0
    while True:
        x = b[i]; i += 1
        v |= (x & 0x7f) << s; s += 7
        if x < 0x80:
            return (v - (1 << s) if x & 0x40 else v), i


class Elf:
    def __init__(self, path):
        self.data = bytearray(open(path, "rb").read())
        d = self.data
        assert d[:4] == b"\x7fELF" and d[4] == 2 and d[5] == 1, "ELF64 little-endian only"
        (self.phoff, self.shoff) = struct.unpack_from("<QQ", d, 0x20)
        self.phentsize, self.phnum, self.shentsize, self.shnum, self.shstrndx = \
            struct.unpack_from("<HHHHH", d, 0x36)
        self.sh = [list(struct.unpack_from("<IIQQQQIIQQ", d, self.shoff + k * self.shentsize))
                   for k in range(self.shnum)]
        stro = self.sh[self.shstrndx][4]
        self.names = [d[stro + s[0]:d.index(b"\0", stro + s[0])].decode() for s in self.sh]

    def section(self, name):
        k = self.names.index(name)
        s = self.sh[k]
        return bytes(self.data[s[4]:s[4] + s[5]])


FIXED = {0x0b: 1, 0x05: 2, 0x06: 4, 0x07: 8, 0x0c: 1, 0x11: 1, 0x12: 2, 0x13: 4, 0x14: 8,
         0x1e: 16, 0x01: 8, 0x19: 0, 0x25: 1, 0x26: 2, 0x27: 3, 0x28: 4, 0x29: 1, 0x2a: 2,
         0x2b: 3, 0x2c: 4, 0x20: 8, 0x10: 4}  # data*, flag*, ref*, addr, strx*, addrx*, ref_addr
LOC_ATTRS = {0x02, 0x19, 0x40, 0x2137}  # location, string_length, frame_base, GNU_locviews


def abbrevs(ab, off):
    table, i = {}, off
    while True:
        code, i = uleb(ab, i)
        if code == 0:
            return table, ab[off:i]
        tag, i = uleb(ab, i)
        children = ab[i]; i += 1
        attrs = []
        while True:
            at, i = uleb(ab, i)
            form, i = uleb(ab, i)
            ic = None
            if form == 0x21:
                ic, i = sleb(ab, i)
            if at == 0 and form == 0:
                break
            attrs.append((at, form))
        table[code] = (tag, children, attrs)


def walk_cu(info, off, table):
    """[(kind, position, value)] of the offsets into other sections in one CU."""
    length, version, utype, asize = struct.unpack_from("<IHBB", info, off)
    assert version == 5 and utype == 1 and asize == 8, "DWARF 5 compile units only"
    end, i, refs = off + 4 + length, off + 12, []
    while i < end:
        code, i = uleb(info, i)
        if code == 0:
            continue
        for at, form in table[code][2]:
            if form in (0x0e, 0x1f):  # strp, line_strp
                refs.append(("str" if form == 0x0e else "line_str", i,
                             struct.unpack_from("<I", info, i)[0]))
                i += 4
            elif form == 0x17:  # sec_offset
                kind = {0x10: "line", 0x55: "rnglists"}.get(at, "loclists" if at in LOC_ATTRS else None)
                assert kind, "sec_offset for attribute 0x%x" % at
                refs.append((kind, i, struct.unpack_from("<I", info, i)[0]))
                i += 4
            elif form in FIXED:
                assert form != 0x10, "DW_FORM_ref_addr: a reference out of the unit"
                i += FIXED[form]
            elif form in (0x0f, 0x15, 0x1a, 0x1b, 0x22, 0x23):  # udata, ref_udata, strx, addrx, loclistx, rnglistx
                assert form in (0x0f, 0x15), "form 0x%x needs a base section" % form
                _, i = uleb(info, i)
            elif form == 0x0d:
                _, i = sleb(info, i)
            elif form == 0x08:  # string
                i = info.index(b"\0", i) + 1
            elif form in (0x18, 0x09):  # exprloc, block
                n, i = uleb(info, i); i += n
            elif form == 0x0a:
                i += 1 + info[i]
            elif form == 0x03:
                i += 2 + struct.unpack_from("<H", info, i)[0]
            elif form == 0x04:
                i += 4 + struct.unpack_from("<I", info, i)[0]
            elif form == 0x21:  # implicit_const: in the abbrev
                pass
            else:
                sys.exit("make-sysroot: DW_FORM 0x%x not handled" % form)
    return refs, end


class Strings:
    def __init__(self, src):
        self.src, self.out, self.map = src, bytearray(), {}

    def get(self, off):
        if off not in self.map:
            self.map[off] = len(self.out)
            self.out += self.src[off:self.src.index(b"\0", off) + 1]
        return self.map[off]


def line_program(line, off, line_str, strs):
    """The unit at off, its .debug_line_str/.debug_str offsets renumbered."""
    length, version = struct.unpack_from("<IH", line, off)
    assert version == 5, "DWARF 5 line tables only"
    unit = bytearray(line[off:off + 4 + length])
    i = 4 + 2 + 2 + 4 + 5
    opcode_base = unit[i]; i += opcode_base
    for _ in range(2):  # directories, file names
        nfmt = unit[i]; i += 1
        fmts = []
        for _ in range(nfmt):
            ct, i = uleb(unit, i)
            form, i = uleb(unit, i)
            fmts.append(form)
        count, i = uleb(unit, i)
        for _ in range(count):
            for form in fmts:
                if form in (0x1f, 0x0e):
                    src = line_str if form == 0x1f else strs
                    struct.pack_into("<I", unit, i, src.get(struct.unpack_from("<I", unit, i)[0]))
                    i += 4
                elif form == 0x0f:
                    _, i = uleb(unit, i)
                elif form == 0x08:
                    i = unit.index(b"\0", i) + 1
                elif form in FIXED:
                    i += FIXED[form]
                else:
                    sys.exit("make-sysroot: line table form 0x%x not handled" % form)
    return unit


def range_list(rng, off):
    i = off
    while True:
        kind = rng[i]; i += 1
        if kind == 0:  # end_of_list
            return rng[off:i]
        if kind == 4:  # offset_pair
            _, i = uleb(rng, i); _, i = uleb(rng, i)
        elif kind == 5:  # base_address
            i += 8
        elif kind == 6:  # start_end
            i += 16
        elif kind == 7:  # start_length
            i += 8; _, i = uleb(rng, i)
        else:
            sys.exit("make-sysroot: DW_RLE 0x%x not handled" % kind)


def aranges_sets(ar):
    i = 0
    while i < len(ar):
        length, version, info_off = struct.unpack_from("<IHI", ar, i)
        tuples, k = [], i + 16
        while True:
            a, n = struct.unpack_from("<QQ", ar, k); k += 16
            if a == 0 and n == 0:
                break
            tuples.append((a, n))
        yield info_off, tuples
        i += 4 + length


def trim_debug(debug, out, addrs, tmp):
    plain = os.path.join(tmp, "plain.debug")
    subprocess.run(["objcopy", "--decompress-debug-sections", debug, plain], check=True)
    e = Elf(plain)
    info, ab, line = e.section(".debug_info"), e.section(".debug_abbrev"), e.section(".debug_line")
    rng = e.section(".debug_rnglists")
    strs, line_str = Strings(e.section(".debug_str")), Strings(e.section(".debug_line_str"))
    cus = sorted({off for off, t in aranges_sets(e.section(".debug_aranges"))
                  for a, n in t for x in addrs if a <= x < a + n})
    assert cus, "no compile unit covers the addresses"
    new = {k: bytearray() for k in ("info", "abbrev", "line", "aranges")}
    new["rnglists"] = bytearray(struct.pack("<IHBBI", 8, 5, 8, 0, 0))
    new["loclists"] = bytearray(struct.pack("<IHBBI", 9, 5, 8, 0, 0) + b"\0")
    lines, lists, ranges = {}, {}, []
    for cu in cus:
        length, = struct.unpack_from("<I", info, cu)
        abbrev_off, = struct.unpack_from("<I", info, cu + 8)
        table, table_bytes = abbrevs(ab, abbrev_off)
        refs, end = walk_cu(info, cu, table)
        unit = bytearray(info[cu:end])
        struct.pack_into("<I", unit, 8, len(new["abbrev"]))
        new["abbrev"] += table_bytes
        for kind, pos, val in refs:
            if kind == "str":
                val = strs.get(val)
            elif kind == "line_str":
                val = line_str.get(val)
            elif kind == "line":
                if val not in lines:
                    lines[val] = len(new["line"])
                    new["line"] += line_program(line, val, line_str, strs)
                val = lines[val]
            elif kind == "rnglists":
                if val not in lists:
                    lists[val] = len(new["rnglists"])
                    new["rnglists"] += range_list(rng, val)
                val = lists[val]
            else:
                val = 12  # the one empty location list
            struct.pack_into("<I", unit, pos - cu, val)
        tuples = [t for off, t in aranges_sets(e.section(".debug_aranges")) if off == cu][0]
        ranges += tuples
        body = struct.pack("<HIBB4x", 2, len(new["info"]), 8, 0) + \
            b"".join(struct.pack("<QQ", a, n) for a, n in tuples + [(0, 0)])
        new["aranges"] += struct.pack("<I", len(body)) + body
        new["info"] += unit
    struct.pack_into("<I", new["rnglists"], 0, len(new["rnglists"]) - 4)
    # the symbols inside the kept units
    syms = subprocess.run(["nm", "--defined-only", plain], capture_output=True, text=True,
                          check=True).stdout.split("\n")
    keep = sorted({l.split()[2] for l in syms if len(l.split()) == 3 and
                   any(a <= int(l.split()[0], 16) < a + n for a, n in ranges)})
    args = ["objcopy", "--strip-all"] + ["--keep-symbol=" + s for s in keep]
    args += ["--remove-section=" + n for n in e.names
             if n.startswith((".gnu.warning", ".comment", ".debug_"))]
    parts = {"info": ".debug_info", "abbrev": ".debug_abbrev", "line": ".debug_line",
             "aranges": ".debug_aranges", "rnglists": ".debug_rnglists",
             "loclists": ".debug_loclists"}
    for key, name in parts.items():
        p = os.path.join(tmp, key)
        open(p, "wb").write(new[key])
        args += ["--add-section", name + "=" + p]
    for key, s in (("str", strs), ("line_str", line_str)):
        p = os.path.join(tmp, key)
        open(p, "wb").write(s.out)
        args += ["--add-section", ".debug_%s=%s" % (key, p),
                 "--set-section-flags", ".debug_%s=readonly" % key]
    subprocess.run(args + [plain, os.path.join(tmp, "stripped")], check=True)
    subprocess.run(["objcopy", "--compress-debug-sections=zlib", os.path.join(tmp, "stripped"),
                    out], check=True)
    return keep


def trim_object(obj, out, debug_out, addrs, tmp):
    linked = os.path.join(tmp, "linked")
    subprocess.run(["objcopy", "--remove-section=.gnu_debuglink",
                    "--add-gnu-debuglink=" + debug_out, obj, linked], check=True)
    e = Elf(linked)
    d = e.data
    keep = [(0, 64), (e.phoff, e.phoff + e.phnum * e.phentsize)]
    for k, s in enumerate(e.sh):
        if s[1] == SHT_NOTE:
            keep.append((s[4], s[4] + s[5]))
    # the bytes before each address, at its file offset (the executable segment)
    for a in addrs:
        for p in range(e.phnum):
            ptype, flags, off, vaddr, _, filesz = struct.unpack_from("<IIQQQQ", d, e.phoff + p * e.phentsize)
            if ptype == 1 and flags & 1 and vaddr <= a < vaddr + filesz:
                keep.append((a - vaddr + off - 16, a - vaddr + off))
    cut = (max(b for a, b in keep) + 15) // 16 * 16
    body = bytearray(cut)
    for a, b in keep:
        body[a:b] = d[a:b]
    tail = bytearray()
    for k, s in enumerate(e.sh):
        if k == 0:
            continue
        if e.names[k] in (".gnu_debuglink", ".shstrtab"):
            while (cut + len(tail)) % max(s[8], 1):
                tail += b"\0"
            new_off = cut + len(tail)
            tail += d[s[4]:s[4] + s[5]]
            s[4] = new_off
        elif s[1] != SHT_NOTE and s[1] != SHT_NOBITS:
            s[1] = SHT_NOBITS  # contents not kept
    while (cut + len(tail)) % 8:
        tail += b"\0"
    shoff = cut + len(tail)
    for s in e.sh:
        tail += struct.pack("<IIQQQQIIQQ", *s)
    out_bytes = body + tail
    struct.pack_into("<Q", out_bytes, 0x28, shoff)
    open(out, "wb").write(out_bytes)
    os.chmod(out, 0o644)


def profile_addresses(heaps):
    """{object path: set of object-relative return addresses} of system objects."""
    out = {}
    for h in heaps:
        text = open(h, errors="replace").read()
        head, _, maps = text.partition("MAPPED_LIBRARIES:")
        pcs = {int(a, 16) for a in re.findall(r"0x([0-9a-f]+)", head.split("@", 1)[-1])}
        for line in maps.split("\n"):
            f = line.split()
            if len(f) < 6 or "x" not in f[1] or not f[5].startswith(("/usr/", "/lib/")):
                continue
            start, end = (int(x, 16) for x in f[0].split("-"))
            for pc in pcs:
                if start < pc < end:
                    out.setdefault(f[5], set()).add(pc - start + int(f[2], 16))
    return out


def vaddr_of(obj, offsets):
    e = Elf(obj)
    res = []
    for off in offsets:
        for p in range(e.phnum):
            ptype, flags, poff, vaddr, _, filesz = struct.unpack_from("<IIQQQQ", e.data, e.phoff + p * e.phentsize)
            if ptype == 1 and poff <= off < poff + filesz:
                res.append(off - poff + vaddr)
    return sorted(res)


def build_id(obj):
    e = Elf(obj)
    note = e.section(".note.gnu.build-id")
    namesz, descsz = struct.unpack_from("<II", note, 0)
    return note[12 + (namesz + 3) // 4 * 4:][:descsz].hex()


def one(obj, debug, outdir, addrs):
    link = Elf(obj).section(".gnu_debuglink")
    name = link[:link.index(b"\0")].decode()
    objdir = os.path.join(outdir, os.path.dirname(os.path.abspath(obj)).lstrip("/"))
    os.makedirs(os.path.join(objdir, ".debug"), exist_ok=True)
    debug_out = os.path.join(objdir, ".debug", name)
    with tempfile.TemporaryDirectory() as tmp:
        syms = trim_debug(debug, debug_out, addrs, tmp)
        trim_object(obj, os.path.join(objdir, os.path.basename(obj)), debug_out, addrs, tmp)
    os.chmod(debug_out, 0o644)
    print("%s: kept symbols %s" % (obj, " ".join(syms)))


def main():
    outdir, heaps = sys.argv[1], sys.argv[2:]
    for obj, offsets in sorted(profile_addresses(heaps).items()):
        bid = build_id(obj)
        debug = "/usr/lib/debug/.build-id/%s/%s.debug" % (bid[:2], bid[2:])
        if not os.path.exists(debug):
            print("%s: no debug file %s, not copied" % (obj, debug))
            continue
        one(obj, debug, outdir, vaddr_of(obj, offsets))


if __name__ == "__main__":
    main()
