#!/usr/bin/env python3
"""Builds the benchmark's 1,000,000 realistic version pairs per scheme from real version strings.

usage: make_pairs.py data/debian-versions.txt OUT [N] [SEED]
Half the pairs are near neighbours in sorted text order (same package line, long common prefix,
the comparisons a scanner does), half are random pairs.
"""
import random, sys

src, out = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
versions = sorted({l.strip() for l in open(src) if l.strip() and not l.startswith("#")})
with open(out, "w") as f:
    for _ in range(n):
        i = rng.randrange(len(versions))
        if rng.random() < 0.5:
            j = min(len(versions) - 1, max(0, i + rng.randint(-8, 8)))
        else:
            j = rng.randrange(len(versions))
        f.write(f"{versions[i]}\t{versions[j]}\n")
