#!/usr/bin/env python3
"""Independent reimplementation of pvt.Draw's documented algorithm (MethodStratifiedV1),
standard library only, so that anyone can redraw a published sample without Go.

Usage: draw_reference.py SEED SIZE RESERVES MIN_PER_STRATUM < frame.tsv
frame.tsv holds one station per line, "stratum<TAB>code", in frame order.
Prints the frame hash and, per stratum, the drawn codes and the reserves.

Run with no arguments it prints the draw of TestDrawGolden's frame (seed 20250628, size 10,
2 reserves, minimum 2), whose expected output is pinned in sample_test.go.
"""
import hashlib
import sys

M64 = (1 << 64) - 1
MUL = (2549297995355413924 << 64) | 4865540595714422341
INC = (6364136223846793005 << 64) | 1442695040888963407


class PCG:
    """PCG-DXSM with 128-bit state, as Go's math/rand/v2 NewPCG(seed1, seed2)."""

    def __init__(self, seed1, seed2):
        self.state = (seed1 << 64) | seed2

    def uint64(self):
        self.state = (self.state * MUL + INC) & ((1 << 128) - 1)
        hi, lo = self.state >> 64, self.state & M64
        hi ^= hi >> 32
        hi = (hi * 0xDA942042E4DD58B5) & M64
        hi ^= hi >> 48
        hi = (hi * (lo | 1)) & M64
        return hi


def uniform(src, m):
    """Lemire: high word of x*m, rejecting when the low word is below 2^64 mod m."""
    thresh = (1 << 64) % m
    while True:
        p = src.uint64() * m
        if (p & M64) >= thresh:
            return p >> 64


def fnv1a64(s):
    h = 0xCBF29CE484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001B3) & M64
    return h


def allocate(pop, size, minimum):
    names = sorted(pop, key=lambda s: s.encode())
    N = sum(pop.values())
    n = {h: size * pop[h] // N for h in names}
    rem = {h: size * pop[h] % N for h in names}
    floor = {h: min(minimum, pop[h]) for h in names}
    if sum(floor.values()) > size:
        raise ValueError("sample too small for the minimums")
    left = size - sum(n.values())
    for h in sorted(names, key=lambda h: -rem[h])[:left]:  # stable: ties keep label order
        n[h] += 1
    for h in names:
        n[h] = max(n[h], floor[h])
    while sum(n.values()) > size:
        best = max((h for h in names if n[h] > floor[h]),
                   key=lambda h: (n[h] * N - size * pop[h], -names.index(h)))
        n[best] -= 1
    return n


def draw(frame, seed, size, reserves, minimum):
    groups = {}
    digest = hashlib.sha256()
    for stratum, code in frame:
        groups.setdefault(stratum, []).append(code)
        digest.update(f"{stratum}\t{code}\n".encode())
    alloc = allocate({h: len(a) for h, a in groups.items()}, size, minimum)
    out = []
    for h in sorted(groups, key=lambda s: s.encode()):
        a = groups[h]
        src = PCG(seed, fnv1a64(h))
        m = min(alloc[h] + reserves, len(a))
        for i in range(m):
            j = i + uniform(src, len(a) - i)
            a[i], a[j] = a[j], a[i]
        out.append((h, len(a), a[:alloc[h]], a[alloc[h]:m]))
    return "sha256:" + digest.hexdigest(), out


def main():
    if len(sys.argv) == 5:
        seed, size, reserves, minimum = map(int, sys.argv[1:])
        frame = [tuple(line.rstrip("\n").split("\t", 1)) for line in sys.stdin if line.strip()]
    else:
        seed, size, reserves, minimum = 20250628, 10, 2, 2
        frame = []
        for i in range(30):
            stratum = "capital" if i >= 24 else ["north", "south", "west"][i % 3]
            frame.append((stratum, f"S{i:02d}"))
    frame_hash, strata = draw(frame, seed, size, reserves, minimum)
    print(frame_hash)
    for h, population, stations, res in strata:
        print(h, population, " ".join(stations), "|", " ".join(res))


if __name__ == "__main__":
    main()
