#!/usr/bin/env python3
"""web-http.py - the --http server from outside, on loopback only, with the
Python standard library: every view answers 200 with a content type and
nosniff; the Top view's rows are `pprof --text`'s rows for the same options;
a foreign Host is 403 (DNS rebinding), a bad regexp, a bad si or an
over-long parameter 400 with a message, an unknown path or a file path 404,
POST 405; 50 concurrent clients and clients that hang up mid-request or
mid-response leave it answering with its RSS flat; SIGINT stops it with
exit status 0 (LSan clean in the sanitizer build); with --base the Top rows
are --text --base's and $BROWSER is run with the URL; with --trend the Trend view plots the series.
Environment: PPROF, SRCDIR. Exit 0, 1 with "not ok" lines."""
import html.parser
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

PPROF, SRCDIR = os.environ['PPROF'], os.environ['SRCDIR']
TD = os.path.join(SRCDIR, 'testdata')
ARGS = [os.path.join(TD, 'bin/phases'), os.path.join(TD, 'heap/phases.0003.heap')]
ENV = dict(os.environ, PPROF_BINARY_PATH=os.path.join(TD, 'bin'), LC_ALL='C')
# the sanitizer build: freed memory is not held in quarantine (RSS must stay flat)
ENV['ASAN_OPTIONS'] = ':'.join(filter(None, [os.environ.get('ASAN_OPTIONS'),
                                             'quarantine_size_mb=0']))
fails = 0


def bad(msg):
    global fails
    fails += 1
    print('not ok:', msg)


def start(*extra, browser=None):
    env = dict(ENV, BROWSER=browser) if browser else ENV
    nb = [] if browser else ['-no_browser']
    p = subprocess.Popen([PPROF, '-http=127.0.0.1:0', *nb, *extra, *ARGS],
                         env=env, stderr=subprocess.PIPE, text=True)
    m = None
    for line in p.stderr:  # symbolization warnings come first
        m = re.match(r'Serving web UI on http://127\.0\.0\.1:(\d+)$', line.strip())
        if m:
            break
    if not m:
        p.kill()
        sys.exit('not ok: no "Serving web UI" line')
    threading.Thread(target=lambda: sys.stderr.write(p.stderr.read()), daemon=True).start()
    return p, int(m.group(1))


def request(port, path, host=None, method='GET', read=True, timeout=60):
    """(status, headers dict, body) of one HTTP/1.1 request; host None: 127.0.0.1:port."""
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    hdr = f'Host: {host}\r\n' if host != '' else ''
    if host is None:
        hdr = f'Host: 127.0.0.1:{port}\r\n'
    s.sendall(f'{method} {path} HTTP/1.1\r\n{hdr}Connection: close\r\n\r\n'.encode())
    data = b''
    while read:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    if not read:
        return 0, {}, ''
    head, _, body = data.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (ln.partition(':') for ln in lines[1:])}
    return status, headers, body.decode('utf-8', 'replace')


class Rows(html.parser.HTMLParser):
    """The cells of <table id="top">'s body rows."""
    def __init__(self):
        super().__init__()
        self.rows, self.cell, self.on = [], None, False

    def handle_starttag(self, tag, attrs):
        if tag == 'tbody':
            self.on = True
        elif self.on and tag == 'tr':
            self.rows.append([])
        elif self.on and tag == 'td':
            self.cell = ''

    def handle_endtag(self, tag):
        if tag == 'tbody':
            self.on = False
        elif tag == 'td' and self.cell is not None:
            self.rows[-1].append(self.cell)
            self.cell = None

    def handle_data(self, d):
        if self.cell is not None:
            self.cell += d


def text_rows(*opts):
    out = subprocess.run([PPROF, '--text', *opts, *ARGS], env=ENV, capture_output=True,
                         text=True, check=True).stdout
    return [ln.split(None, 5) for ln in out.splitlines()[1:] if ln.strip()]


def rss(pid):
    with open(f'/proc/{pid}/status') as f:
        return int(re.search(r'VmRSS:\s+(\d+)', f.read()).group(1))


def main():
    p, port = start()
    views = ['/', '/top', '/flamegraph', '/flamegraph.svg', '/icicle', '/icicle.svg',
             '/source?f=Alloc', '/disasm?f=Alloc', '/peek?f=Alloc', '/tree', '/trend']
    for v in views:
        st, h, body = request(port, v)
        if st != 200:
            bad(f'{v}: status {st}')
        want = 'image/svg+xml' if v.endswith('.svg') else 'text/html; charset=utf-8'
        if h.get('content-type') != want or h.get('x-content-type-options') != 'nosniff':
            bad(f'{v}: headers {h}')
        if re.search(r'(src|href)="(https?:)?//', body):
            bad(f'{v}: loads something from elsewhere')
    print(f'ok views: {len(views)} pages, content type and nosniff')

    # Top = --text for the same options (the CLI is the reference)
    for q, opts in [('', []), ('?si=alloc_space', ['--sample_index=alloc_space']),
                    ('?si=alloc_objects&f=Phase', ['--alloc_objects', '--focus=Phase']),
                    ('?i=' + urllib.parse.quote('^PhaseTwoAlloc$') + '&h=_start',
                     ['--ignore=^PhaseTwoAlloc$', '--hide=_start'])]:
        st, h, body = request(port, '/top' + q)
        r = Rows()
        r.feed(body)
        want = text_rows(*opts)
        # the other unit's flat and cum: its own --text (objects for space)
        si = (urllib.parse.parse_qs(q[1:]).get('si') or ['inuse_space'])[0]
        other = si.replace('space', 'X').replace('objects', 'space').replace('X', 'objects')
        orows = {row[5]: [row[0], row[3]] for row in
                 text_rows(*[o for o in opts if 'alloc_' not in o and 'sample_index' not in o],
                           '--sample_index=' + other)}
        if [row[:5] + row[7:] for row in r.rows] != want or not want:
            bad(f'/top{q}: rows {r.rows[:3]} != --text {want[:3]}')
        elif [row[5:7] for row in r.rows] != [orows.get(row[5], ['', '']) for row in want]:
            bad(f'/top{q}: {other} columns {[row[5:7] for row in r.rows][:3]} != --text')
        else:
            print(f'ok /top{q}: {len(want)} rows equal --text {" ".join(opts)}, '
                  f'{other} columns its --text')

    # refused requests: (path, host, method, status, text in the message)
    cases = [('/', 'evil.example:%d' % port, 'GET', 403, 'not this server'),
             ('/', 'evil.example', 'GET', 403, 'not this server'),
             ('/', '127.0.0.1:%d' % (port + 1), 'GET', 403, 'not this server'),
             ('/', '', 'GET', 403, 'not this server'),
             ('/top?f=' + urllib.parse.quote('a('), None, 'GET', 400, 'regular expression'),
             ('/peek?f=' + urllib.parse.quote('[z-a]'), None, 'GET', 400, 'regular expression'),
             ('/top?si=bogus', None, 'GET', 400, "bad si 'bogus'"),
             ('/top?f=' + 'a' * 600, None, 'GET', 400, 'longer than'),
             ('/nope', None, 'GET', 404, 'no such page'),
             ('/../../etc/passwd', None, 'GET', 404, 'no such page'),
             ('/flamegraph.svg/../../../etc/passwd', None, 'GET', 404, 'no such page'),
             ('/top', None, 'POST', 405, 'only GET')]
    for path, host, method, want, text in cases:
        st, h, body = request(port, path, host=host, method=method)
        if st != want or text not in body or not h.get('content-type') or \
                h.get('x-content-type-options') != 'nosniff':
            bad(f'{method} {path[:40]} Host {host}: {st} {body.strip()[:80]!r}, want {want}')
    print(f'ok refused: {len(cases)} bad requests answered 403/400/404/405 with a message')
    for h in ['localhost:%d' % port, '[::1]:%d' % port, 'LOCALHOST:%d' % port]:
        if request(port, '/top', host=h)[0] != 200:
            bad(f'Host {h} refused')

    # 50 concurrent clients, and clients that hang up early; RSS stays flat
    def client(i, errors):
        try:
            path = ['/', '/top', '/flamegraph.svg', '/tree', '/peek?f=Alloc'][i % 5]
            if i % 3 == 2:  # hang up mid-response
                request(port, path, read=False)
            elif i % 7 == 6:  # hang up mid-request
                s = socket.create_connection(('127.0.0.1', port), timeout=30)
                s.sendall(b'GET /top HTTP/1.1\r\nHo')
                s.close()
            elif request(port, path)[0] != 200:
                errors.append(path)
        except OSError as e:
            errors.append(str(e))

    def round_():
        errors = []
        ts = [threading.Thread(target=client, args=(i, errors)) for i in range(50)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        return errors

    sizes = []
    for k in range(6):
        errors = round_()
        if errors:
            bad(f'round {k}: {len(errors)} failed requests: {errors[:3]}')
        if request(port, '/top')[0] != 200:
            bad(f'round {k}: the server stopped answering')
        sizes.append(rss(p.pid))
    growth = sizes[-1] - sizes[1]
    if growth > max(4096, sizes[1] // 10):
        bad(f'RSS grew by {growth} kB over 4 rounds of 50 clients: {sizes}')
    else:
        print(f'ok concurrency: 6 rounds of 50 clients, RSS {sizes} kB')

    p.send_signal(signal.SIGINT)
    try:
        rc = p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = 'hung'
    if rc != 0:
        bad(f'SIGINT: exit status {rc}')
    else:
        print('ok SIGINT: stopped, exit status 0')

    # --base: the views show the difference, as the command line does; without
    # -no_browser, $BROWSER is run with the URL
    with tempfile.TemporaryDirectory() as tmp:
        fake, seen = os.path.join(tmp, 'browser'), os.path.join(tmp, 'url')
        with open(fake, 'w') as f:
            f.write(f'#!/bin/sh\necho "$1" > {seen}\n')
        os.chmod(fake, 0o755)
        p, port = start('--base=' + os.path.join(TD, 'heap/phases.0001.heap'), browser=fake)
        for _ in range(100):
            if os.path.exists(seen) and open(seen).read().strip():
                break
            time.sleep(0.05)
        url = open(seen).read().strip() if os.path.exists(seen) else None
        if url != f'http://127.0.0.1:{port}':
            bad(f'$BROWSER got {url!r}')
        else:
            print(f'ok $BROWSER: run with {url}')
    r = Rows()
    r.feed(request(port, '/top')[2])
    want = text_rows('--base=' + os.path.join(TD, 'heap/phases.0001.heap'))
    if [row[:5] + row[7:] for row in r.rows] != want or not want:
        bad(f'--base /top: {r.rows[:2]} != --text --base {want[:2]}')
    else:
        print(f'ok --base: /top rows == --text --base ({len(want)} rows)')
    p.send_signal(signal.SIGINT)
    if p.wait(30) != 0:
        bad('--base: SIGINT exit status not 0')

    # --trend: the Trend view plots the series
    trend = [os.path.join(TD, f'heap/phases.000{i}.heap') for i in (1, 2, 3)]
    global ARGS
    ARGS = [os.path.join(TD, 'bin/phases'), *trend]
    p, port = start('--trend')
    st, h, body = request(port, '/trend')
    if st != 200 or '<svg' not in body or 'id="v-trend"' not in body:
        bad(f'--trend /trend: {st}')
    else:
        print('ok --trend: the Trend view plots the series')
    p.send_signal(signal.SIGTERM)
    if p.wait(30) != 0:
        bad('SIGTERM: exit status not 0')
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
