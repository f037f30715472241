#!/usr/bin/env python3
"""Per-difference check of cpprof against Perl pprof (DECISIONS 17).

    check.py PPROF CORPUS CASE/OUTPUT...

For each corpus output (a google-pprof command of CASE/commands.tsv whose
recorded reference differs from cpprof's output) Perl pprof is run again with
cpprof's stated rules (README, "Compatibility with Perl pprof") applied one at
a time, each as a named transformation of Perl pprof itself:

  leaf          every frame, the leaf too, looked up at return address - 1
                (Perl patched as ../shared/corpus/compare-leaf.sh does; hex
                addresses masked but in <object>+0x<address>, --stacks'
                leak-report frames dropped)
  dbg           objects whose DWARF is in a separate debug file (libc with
                libc6-dbg) keep every inline level (Perl patched by
                perl-debugfile.pl)
  edge-once     --dot: an edge counted once per sample (Perl's PrintDot patched
                to skip a caller -> callee pair already counted for the stack)
  inline-name   inlined functions named from DWARF (tools wrapper addr2line)
  alloc-inline  allocators inlined in objects without _fini skipped (addr2line)
  sym           a symbol names only the addresses inside its size (wrappers nm
                and addr2line)

until Perl's output equals cpprof's; a rule runs only while differences remain,
and the lines it changes are counted as the differences it explains. One rule
then matches single lines of cpprof's output, and only on outputs where the
rule changed Perl's symbols: [inline-name], cpprof qualifies the inlined
function (corpus::util::MakeBuffer where DWARF's DW_AT_name is MakeBuffer).
Any difference left fails. --text outputs are compared byte for byte (after
the masking of [leaf]); --stacks, --collapsed and --dot as sorted line sets.
Needs root (the corpus binaries at /opt/hprof-corpus), google-pprof,
binutils and llvm-addr2line.
"""
import collections, os, re, shutil, subprocess, sys, tempfile

RECORDED = "/opt/hprof-corpus"
HERE = os.path.dirname(os.path.realpath(__file__))
STAGES = ["leaf", "dbg", "edge-once", "inline-name", "alloc-inline", "sym"]


def patched_perl(tmp, edge_once, dbg):
    src = open(shutil.which("google-pprof")).read()
    patches = [
        # [leaf]
        ("$fixedaddrs[0] = $addrs[0];", '$fixedaddrs[0] = AddressSub($addrs[0], "0x1");'),
        # [sym]: the "??" of tools/nm's gaps stays "??" (not "??<address>", which
        # --collapsed would print and name@address would make unique)
        ('      $symbols->{$pc} = [$name, "?", $fullname];',
         '      $symbols->{$pc} = [$name, "?", $name eq "??" ? "??" : $fullname];'),
        # speed: the symbols of a profile are looked up once per set of rules
        ("sub ExtractSymbols {\n", """sub ExtractSymbols {
  my ($libs, $pcset) = @_;
  require Storable; require Digest::MD5;
  my $k = Digest::MD5::md5_hex(join(",", map { @$_ } @$libs) . ";" .
                               join(",", sort keys %$pcset) . ";" . $ENV{HP_RULES});
  my $f = "$ENV{HP_SYMBOL_CACHE}/$k";
  return Storable::retrieve($f) if -f $f;
  my $s = ExtractSymbolsUncached($libs, $pcset);
  Storable::store($s, $f);
  return $s;
}
sub ExtractSymbolsUncached {
"""),
    ]
    if edge_once:  # [edge-once]
        patches.append(("#next if ($src eq $dst);  # Avoid self-edges?",
                        'next if $main::hp_edge_seen{"$k\\001$src\\001$dst"}++;'))
    for old, new in patches:
        if src.count(old) != 1:
            sys.exit("check.py: cannot patch google-pprof at %r" % old)
        src = src.replace(old, new)
    if dbg:  # [dbg]: perl-debugfile.pl
        src = subprocess.run(["perl", os.path.join(HERE, "perl-debugfile.pl")],
                             input=src, capture_output=True, text=True, check=True).stdout
    path = os.path.join(tmp, "pprof" + ("-edge" if edge_once else "") + ("-dbg" if dbg else ""))
    with open(path, "w") as f:
        f.write(src)
    os.chmod(path, 0o755)
    return path


def tools_dir(tmp):
    d = os.path.join(tmp, "tools")
    os.mkdir(d)
    for t in ("addr2line", "nm"):
        os.symlink(os.path.join(HERE, t), os.path.join(d, t))
    for t in ("objdump", "c++filt", "readelf"):
        os.symlink(shutil.which(t) or "/usr/bin/" + t, os.path.join(d, t))
    return d + "/"


def mask(text, args):
    # (not the address of <object>+0x<address>: both look up the same one)
    text = re.sub(r"(?<!\+)0x[0-9a-f]+", "0xADDR", text)
    text = re.sub(r"\b[0-9a-f]{16}\b", "ADDR", text)
    lines = text.split("\n")
    if "--stacks" in args:  # Perl's leak-report frames print the unadjusted leaf
        lines = [l for l in lines if not l.startswith("\t@ ")]
    if set_mode(args):
        lines = sorted(lines)
    return lines


def set_mode(args):
    return any(a in args for a in ("--stacks", "--collapsed", "--dot"))


def ndiff(a, b):
    """lines differing between a and b (as a multiset when order is not compared)."""
    ca, cb = collections.Counter(a), collections.Counter(b)
    return sum(((ca - cb) + (cb - ca)).values())


class Checker:
    def __init__(self, pprof, corpus):
        self.pprof, self.corpus = pprof, corpus
        self.tmp = tempfile.mkdtemp()
        self.perls = {(e, d): patched_perl(self.tmp, e, d)
                      for e in (False, True) for d in (False, True)}
        self.tools = tools_dir(self.tmp)
        for d in ("symbols", "answers"):
            os.mkdir(os.path.join(self.tmp, d))
        self.logs = {}  # (profile, rules) -> rule log of the symbolization
        self.lines = collections.Counter()
        self.outputs = collections.defaultdict(set)
        self.failed = 0

    def run_perl(self, case_dir, args, rules, edge_once, dbg, profile):
        log = os.path.join(self.tmp, "log")
        open(log, "w").close()
        env = dict(os.environ, HP_RULES=" ".join(rules) or "none", HP_RULE_LOG=log,
                   HP_SYMBOL_CACHE=os.path.join(self.tmp, "symbols"),
                   HP_RULE_CACHE=os.path.join(self.tmp, "answers"))
        perl = self.perls[edge_once, dbg]
        out = subprocess.run("timeout 600 %s --tools=%s %s" % (perl, self.tools, args),
                             shell=True, cwd=case_dir, env=env, capture_output=True,
                             text=True).stdout
        key = (profile, tuple(rules))
        fired = open(log).read().split("\n")
        if key not in self.logs or any(fired):  # a cached run logs nothing
            self.logs[key] = [l for l in fired if l]
        return out

    def check(self, row):
        case, out = row.split("/", 1)
        case_dir = os.path.join(self.corpus, case)
        cmd = next(l.split("\t")[2] for l in open(os.path.join(case_dir, "commands.tsv"))
                   if l.split("\t")[0] == out).rstrip("\n")
        args = cmd[len("google-pprof "):]
        profile = args.split()[-1]
        got_p = subprocess.run("timeout 120 %s %s" % (self.pprof, args), shell=True,
                               cwd=case_dir, capture_output=True, text=True)
        if got_p.returncode != 0:
            return self.fail(row, "cpprof exit %d: %s" % (got_p.returncode, got_p.stderr[:200]))
        got = mask(got_p.stdout, args)
        ref = mask(open(os.path.join(case_dir, out)).read().replace(self.corpus, RECORDED), args)
        rules, explained = [], {}
        edge = dbg = False
        for stage in STAGES:
            if stage == "edge-once":
                if "--dot" not in args:
                    continue
                edge = True
            elif stage != "leaf":
                rules.append(stage)  # (dbg: only a key of the symbol cache)
            dbg = dbg or stage == "dbg"
            new = mask(self.run_perl(case_dir, args, rules, edge, dbg, profile), args)
            n = ndiff(ref, new)
            if n:
                explained[stage] = n
            ref = new
            if ref == got or self.line_rules(ref, got, args, profile, rules, explained, dry=True):
                break
        if ref != got and not self.line_rules(ref, got, args, profile, rules, explained):
            return self.fail(row, "\n".join(self.show_diff(ref, got)))
        for r, n in explained.items():
            self.lines[r] += n
            self.outputs[r].add(row)
        print("ok %s: %s" % (row, " ".join("%s(%d)" % kv for kv in explained.items())))

    def line_rules(self, ref, got, args, profile, rules, explained, dry=False):
        """cpprof lines that differ from Perl's by the line rule [inline-name] only."""
        log = self.logs.get((profile, tuple(rules)), [])
        names = {l.split()[2] for l in log if l.startswith("inline-name ")}
        n = 0
        norm = []
        for line in got:
            new = line
            for name in names:  # --dot labels break names at "::"
                new = re.sub(r"(?<![\w:])(?:\w+::)+%s \(inline\)" % re.escape(name),
                             name + " (inline)", new)
                new = re.sub(r'(?<=")(?:\w+\\n)+%s\\n\(inline\)' % re.escape(name),
                             name + r"\\n(inline)", new)
                new = re.sub(r"(?<![\w:])(?:\w+::)+%s\[inline\]" % re.escape(name),
                             name + "[inline]", new)  # --collapsed
            n += new != line
            norm.append(new)
        if set_mode(args):
            norm = sorted(norm)
        if norm != ref:
            return False
        if not dry and n:
            explained["inline-name (line)"] = n
        return True

    @staticmethod
    def show_diff(ref, got):
        import difflib
        return list(difflib.unified_diff(ref, got, "perl+rules", "cpprof", lineterm="", n=0))[:40]

    def fail(self, row, why):
        self.failed += 1
        print("not ok %s: difference explained by no rule:\n%s" % (row, why))


def main():
    pprof, corpus, rows = os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2]), sys.argv[3:]
    c = Checker(pprof, corpus)
    try:
        for row in rows:
            c.check(row)
    finally:
        shutil.rmtree(c.tmp, ignore_errors=True)
    for r in STAGES:
        for kind in ("", " (line)"):
            if r + kind in c.lines or (not kind and r not in c.lines):
                print("rule [%s]%s: %d differing lines in %d outputs" %
                      (r, kind and " line match", c.lines[r + kind], len(c.outputs[r + kind])))
    sys.exit(1 if c.failed else 0)


if __name__ == "__main__":
    main()
