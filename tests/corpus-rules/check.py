#!/usr/bin/env python3
"""Per-difference check of cpprof against Perl pprof (DECISIONS 17).

    check.py PPROF CORPUS CASE/OUTPUT...

For each corpus output (a google-pprof command of CASE/commands.tsv whose
recorded reference differs from cpprof's output) Perl pprof is run again with
cpprof's stated rules (README, "Compatibility with Perl pprof") applied one at
a time, each as a named transformation of Perl pprof itself:

  leaf          every frame, the leaf too, looked up at return address - 1
                (Perl patched as ../shared/corpus/compare-leaf.sh does; hex
                addresses masked, --stacks' leak-report frames dropped)
  edge-once     --dot: an edge counted once per sample (Perl's PrintDot patched
                to skip a caller -> callee pair already counted for the stack)
  inline-name   inlined functions named from DWARF (tools wrapper addr2line)
  alloc-inline  allocators inlined in objects without _fini skipped (addr2line)
  sym           a symbol names only the addresses inside its size (wrappers nm
                and addr2line)

until Perl's output equals cpprof's; a rule runs only while differences remain,
and the lines it changes are counted as the differences it explains. Two rules
then match single lines of cpprof's output, and only on outputs where the rule
changed Perl's symbols:
  inline-name   cpprof qualifies the inlined function (corpus::util::MakeBuffer
                where DWARF's DW_AT_name is MakeBuffer)
  sym           an address outside every symbol: cpprof's "?? ??:0" or
                "<object>+0x<offset>" for Perl's "?? ??:0"
Any difference left fails, except in the outputs listed in unresolved.txt
(with the reason; reported as "todo", and failing once they are explained).
--text outputs are compared byte for byte (after
the masking of [leaf]); --stacks, --collapsed and --dot as sorted line sets.
Needs root (the corpus binaries at /opt/hprof-corpus), google-pprof,
binutils and llvm-addr2line.
"""
import collections, os, re, shutil, subprocess, sys, tempfile

RECORDED = "/opt/hprof-corpus"
HERE = os.path.dirname(os.path.realpath(__file__))
STAGES = ["leaf", "edge-once", "inline-name", "alloc-inline", "sym"]


def patched_perl(tmp, edge_once):
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
    path = os.path.join(tmp, "pprof-edge" if edge_once else "pprof")
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
    text = re.sub(r"0x[0-9a-f]+", "0xADDR", text)
    text = re.sub(r"\b[0-9a-f]{16}\b", "ADDR", text)
    lines = text.split("\n")
    if "--stacks" in args:  # Perl's leak-report frames print the unadjusted leaf
        lines = [l for l in lines if not l.startswith("\t@ ")]
    if set_mode(args):
        lines = sorted(lines)
    return lines


def set_mode(args):
    return any(a in args for a in ("--stacks", "--collapsed", "--dot"))


ROW = re.compile(r"^(\s*\S+\s+\S+%\s+)(\S+%)(\s+\S+\s+\S+%\s.*)$")


def same_rows(got, ref):
    """--text whose unknown frames cpprof names one by one (<object>+0x<offset>,
    [sym]): rows of equal values may come in another order, which moves the
    running sum% column; the rows must be the same with sum% left out, and
    cpprof's sum% must be the running sum of its flat%."""
    if len(got) != len(ref):
        return False
    strip = lambda rows: sorted(ROW.sub(r"\1\3", l) for l in rows)
    if strip(got) != strip(ref):
        return False
    total, n = 0.0, 0
    for l in got:
        m = ROW.match(l)
        if m:  # flat% is rounded to 0.1: the sum drifts by up to 0.05 a row
            total += float(m.group(1).split()[1].rstrip("%"))
            n += 1
            if abs(float(m.group(2).rstrip("%")) - total) > 0.05 * n + 0.05:
                return False
    return True


def ndiff(a, b):
    """lines differing between a and b (as a multiset when order is not compared)."""
    ca, cb = collections.Counter(a), collections.Counter(b)
    return sum(((ca - cb) + (cb - ca)).values())


class Checker:
    def __init__(self, pprof, corpus):
        self.pprof, self.corpus = pprof, corpus
        self.tmp = tempfile.mkdtemp()
        self.perl = patched_perl(self.tmp, False)
        self.perl_edge = patched_perl(self.tmp, True)
        self.tools = tools_dir(self.tmp)
        for d in ("symbols", "answers"):
            os.mkdir(os.path.join(self.tmp, d))
        self.logs = {}  # (profile, rules) -> rule log of the symbolization
        self.lines = collections.Counter()
        self.outputs = collections.defaultdict(set)
        self.failed = self.todo = 0
        # outputs whose remaining differences no rule encodes yet, with the reason
        self.unresolved = {}
        for l in open(os.path.join(HERE, "unresolved.txt")):
            l = l.strip()
            if l and not l.startswith("#"):
                what, _, why = l.partition("#")
                self.unresolved[what.strip()] = why.strip()

    def run_perl(self, case_dir, args, rules, edge_once, profile):
        log = os.path.join(self.tmp, "log")
        open(log, "w").close()
        env = dict(os.environ, HP_RULES=" ".join(rules) or "none", HP_RULE_LOG=log,
                   HP_SYMBOL_CACHE=os.path.join(self.tmp, "symbols"),
                   HP_RULE_CACHE=os.path.join(self.tmp, "answers"))
        perl = self.perl_edge if edge_once else self.perl
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
        edge = False
        for stage in STAGES:
            if stage == "edge-once":
                if "--dot" not in args:
                    continue
                edge = True
            elif stage != "leaf":
                rules.append(stage)
            new = mask(self.run_perl(case_dir, args, rules, edge, profile), args)
            n = ndiff(ref, new)
            if n:
                explained[stage] = n
            ref = new
            if ref == got or self.line_rules(ref, got, args, profile, rules, explained, dry=True):
                break
        if ref != got and not self.line_rules(ref, got, args, profile, rules, explained):
            if row in self.unresolved:
                self.todo += 1
                print("todo %s: not explained yet (unresolved.txt: %s)" % (row, self.unresolved[row]))
                return None
            return self.fail(row, "\n".join(self.show_diff(ref, got)))
        if row in self.unresolved:
            return self.fail(row, "listed in unresolved.txt but explained now: remove it")
        for r, n in explained.items():
            self.lines[r] += n
            self.outputs[r].add(row)
        print("ok %s: %s" % (row, " ".join("%s(%d)" % kv for kv in explained.items())))

    def line_rules(self, ref, got, args, profile, rules, explained, dry=False):
        """cpprof lines that differ from Perl's by the line rules only."""
        log = self.logs.get((profile, tuple(rules)), [])
        names = {l.split()[2] for l in log if l.startswith("inline-name ")}
        sym = any(l.startswith("sym ") for l in log)
        counts = collections.Counter()
        norm = []
        for line in got:
            new = line
            for n in names:  # --dot labels break names at "::"
                new = re.sub(r"(?<![\w:])(?:\w+::)+%s \(inline\)" % re.escape(n),
                             n + " (inline)", new)
                new = re.sub(r'(?<=")(?:\w+\\n)+%s\\n\(inline\)' % re.escape(n),
                             n + r"\\n(inline)", new)
                new = re.sub(r"(?<![\w:])(?:\w+::)+%s\[inline\]" % re.escape(n),
                             n + "[inline]", new)  # --collapsed
            if new != line:
                counts["inline-name"] += 1
            if sym:
                s = re.sub(r"(?<![\w.+-])[\w.+-]+\+0xADDR", "??", new)
                s = re.sub(r"\?\? \?\?:0|\?\?:0", "??", s)
                if s != new:
                    counts["sym"] += 1
                new = s
            norm.append(new)
        pref = [re.sub(r"\?\? \?\?:0|\?\?:0", "??", l) for l in ref] if sym else ref
        if set_mode(args):
            norm, pref = sorted(norm), sorted(pref)
        if norm != pref and not (counts["sym"] and same_rows(norm, pref)):
            return False
        if not dry:
            for r, n in counts.items():
                explained[r + " (line)"] = n
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
    if c.todo:
        print("%d outputs not explained yet (tests/corpus-rules/unresolved.txt)" % c.todo)
    sys.exit(1 if c.failed else 0)


if __name__ == "__main__":
    main()
