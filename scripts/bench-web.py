#!/usr/bin/env python3
"""bench-web.py - the web UI's speed (scripts/bench web): start a server on
a free loopback port, time start-up (until its "Serving web UI" line), the
first page, then each view (median of RUNS requests), side by side with Go
pprof -http when it is given. Not a test: timings never gate CI.
  bench-web.py RUNS PPROF [GO_PPROF|-] PROFILE-ARGS..."""
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

runs, pprof, go = int(sys.argv[1]), sys.argv[2], sys.argv[3]
args = sys.argv[4:]
VIEWS = ['/', '/top', '/flamegraph', '/flamegraph.svg', '/source?f=leaf_alloc', '/peek?f=leaf_alloc', '/tree',
         '/top?si=alloc_space', '/?f=leaf_alloc']
TIMEOUT = 120  # seconds per request
GO_MISSING = {'/tree', '/flamegraph.svg'}  # Go pprof: no tree page; the flame graph is one page


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url):
    t = time.monotonic()
    with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
        n = len(r.read())
    return time.monotonic() - t, n


def bench(name, cmd, go_style):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        return measure(name, p, t0, go_style)
    finally:
        p.kill()
        p.wait()


def measure(name, p, t0, go_style):
    url = None
    for line in p.stderr:
        m = re.search(r'Serving web UI on (http://\S+)', line)
        if m:
            url = m.group(1).rstrip('/')
            break
    startup = time.monotonic() - t0
    if not url:
        print(f'{name}: did not start')
        return {}
    # the first page, counted from the "Serving" line (Go pprof may print it
    # before it listens: retry while the connection is refused)
    t1 = time.monotonic()
    while True:
        try:
            get(url + '/')
            break
        except (TimeoutError, socket.timeout):
            print(f'{name}: no first page within {TIMEOUT} s')
            break
        except urllib.error.URLError as e:
            if 'refused' not in str(e.reason) or time.monotonic() - t1 > 60:
                raise
            time.sleep(0.01)
    first = time.monotonic() - t1
    res = {'start-up': startup}
    if first < TIMEOUT:
        res['first page'] = first
    for v in VIEWS:
        if go_style and v in GO_MISSING:
            continue
        times, size = [], 0
        try:
            for _ in range(runs):
                t, size = get(url + v)
                times.append(t)
        except urllib.error.HTTPError as e:
            print(f'{name} {v}: HTTP {e.code}')
            continue
        except (TimeoutError, socket.timeout):
            print(f'{name} {v}: no answer within {TIMEOUT} s')
            continue
        res[v] = statistics.median(times)
        res[v + ' bytes'] = size
    return res


port = free_port()
ours = bench('cpprof', [pprof, f'-http=127.0.0.1:{port}', '-no_browser', *args], False)
theirs = {}
if go != '-':
    theirs = bench('Go pprof', [go, f'-http=127.0.0.1:{free_port()}', '-no_browser', *args],
                   True)
print(f'{"":24} {"cpprof":>14} {"Go pprof":>14}')
for k in ['start-up', 'first page', *VIEWS]:
    a, b = ours.get(k), theirs.get(k)
    kb = lambda r: f' {r[k + " bytes"] // 1024:4d}kB' if k + ' bytes' in r else ''
    fa = f'{a:6.3f}s{kb(ours)}' if a is not None else '-'
    fb = f'{b:6.3f}s{kb(theirs)}' if b is not None else '-'
    print(f'{k:24} {fa:>14} {fb:>14}')
