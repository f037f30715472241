"""Shared by the tool wrappers of tests/corpus-rules (addr2line, nm): which
rules are on ($HP_RULES, default all), the log of what each rule changed
($HP_RULE_LOG: "RULE DETAIL" lines) and a cache of answers ($HP_RULE_CACHE),
since Perl pprof asks the same questions for every report of a profile."""
import hashlib, os, sys


def active(rule):
    rules = os.environ.get("HP_RULES", "all").split()
    return "all" in rules or rule in rules


def run(tool, args, stdin, compute):
    """compute(args, stdin) -> (stdout text, [log lines], exit code); cached."""
    cache = os.environ.get("HP_RULE_CACHE")
    key = hashlib.sha1(repr((tool, args, stdin, os.environ.get("HP_RULES", "all"))).encode()).hexdigest()
    path = os.path.join(cache, key) if cache else None
    if path and os.path.exists(path):
        with open(path) as f:
            rc, nlog, rest = f.read().split("\n", 2)
        lines = rest.split("\n")
        log, out = lines[:int(nlog)], "\n".join(lines[int(nlog):])
        rc = int(rc)
    else:
        out, log, rc = compute(args, stdin)
        if path:
            with open(path + ".tmp", "w") as f:
                f.write("%d\n%d\n%s" % (rc, len(log), "".join(x + "\n" for x in log) + out))
            os.replace(path + ".tmp", path)
    sys.stdout.write(out)
    if log and os.environ.get("HP_RULE_LOG"):
        with open(os.environ["HP_RULE_LOG"], "a") as f:
            f.write("".join(x + "\n" for x in log))
    sys.exit(rc)
