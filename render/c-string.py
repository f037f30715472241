#!/usr/bin/env python3
"""c-string.py NAME IN OUT - write IN as a C header defining
`static const char NAME[]`, one string literal per line (build helper for
flame.js). Fails when IN holds the CDATA end marker, which would end the
<script> section of the SVG it is embedded in."""
import sys

name, src, dst = sys.argv[1:4]
with open(src, encoding='utf-8') as f:
    text = f.read()
if ']]' + '>' in text:
    sys.exit(f'{src}: contains the CDATA end marker')
out = [f'/* generated from {src.rsplit("/", 1)[-1]} by c-string.py: do not edit */',
       f'static const char {name}[] =']
for line in text.splitlines():
    esc = line.replace('\\', '\\\\').replace('"', '\\"').replace('?', '\\?')
    out.append(f'    "{esc}\\n"')
out[-1] += ';'
with open(dst, 'w', encoding='utf-8') as f:
    f.write('\n'.join(out) + '\n')
