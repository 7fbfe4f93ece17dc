package pvt

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/iltod/iltod"
)

// MethodStratifiedV1 names the drawing algorithm of [Draw]. A Sample records it so that a
// later algorithm can never be mistaken for this one.
const MethodStratifiedV1 = "iltod/pvt/stratified-proportional-pcg-v1"

// FrameStation is one station of the sampling frame: the list of all stations, in an order
// that is part of the record (the draw depends on it).
type FrameStation struct {
	// Code identifies the station; codes are unique in a frame.
	Code string
	// Stratum labels its stratum; "" is a valid label (one stratum for a simple random
	// sample).
	Stratum string
}

// DrawOptions say what sample to draw.
type DrawOptions struct {
	// Size is the number of stations to draw, over all strata.
	Size int
	// Seed makes the draw reproducible. Record how it was chosen (e.g. dice rolled in
	// public, or a published lottery number) along with the Sample.
	Seed uint64
	// Reserves is the number of replacement stations to list per stratum, in order of use.
	Reserves int
	// MinPerStratum is the least number of stations drawn in each stratum (all of them in a
	// smaller stratum); 0 means 2, the least that allows a variance estimate. Use 1 only if
	// thin strata will be merged before estimating.
	MinPerStratum int
}

// Sample is a drawn PVT sample, fit to be stored with the election as JSON: everything
// needed to redraw it from the same frame and to check that it was drawn as stated.
type Sample struct {
	Method        string `json:"method"`
	Seed          uint64 `json:"seed,string"` // a string in JSON: 64-bit seeds exceed JavaScript's integers
	Size          int    `json:"size"`
	Reserves      int    `json:"reserves"`
	MinPerStratum int    `json:"min_per_stratum"`
	// Frame is "sha256:" and the hex SHA-256 of the frame, one line "stratum\tcode\n" per
	// station in frame order: it pins the list the sample was drawn from.
	Frame  string          `json:"frame"`
	Strata []StratumSample `json:"strata"` // in label order (bytewise)
}

// StratumSample is the part of a Sample drawn from one stratum.
type StratumSample struct {
	Stratum    string `json:"stratum"`
	Population int    `json:"population"` // N_h, stations of the stratum in the frame
	// Stations are the codes drawn, in the order drawn.
	Stations []string `json:"stations"`
	// Reserves are replacement codes, in the order they are to be used: when a sampled
	// station cannot be observed at all, take the first unused reserve of its stratum.
	Reserves []string `json:"reserves"`
}

// Design returns the design for estimating from s: N_h and the number drawn per stratum.
// Replacements taken from the reserves keep the stratum's count unchanged.
func (s Sample) Design() Design {
	d := Design{Strata: make(map[string]int, len(s.Strata)), Sampled: make(map[string]int, len(s.Strata))}
	for _, st := range s.Strata {
		d.Strata[st.Stratum] = st.Population
		d.Sampled[st.Stratum] = len(st.Stations)
	}
	return d
}

// Draw draws a stratified random sample of stations from frame, with replacement stations.
// The draw depends only on the frame (its order included), opt, and this algorithm, which is
// fixed so that anyone can reproduce it:
//
//  1. Group the frame by stratum, keeping frame order within each; sort the strata by label
//     (bytewise). N_h is the stratum's count.
//  2. Allocate opt.Size over the strata with [Allocate] (proportional to N_h, largest
//     remainders, at least opt.MinPerStratum each, 2 if it is 0).
//  3. For stratum h with label L, seed a PCG-DXSM generator (Go's math/rand/v2 NewPCG)
//     with (opt.Seed, FNV-1a-64(L)). With the stratum's stations in frame order as the
//     array a[0…N_h−1], for i = 0, 1, …, min(n_h + opt.Reserves, N_h) − 1: draw
//     j = i + U(N_h − i) and swap a[i] and a[j] (a partial Fisher–Yates shuffle).
//     a[0…n_h−1] is the sample, in order; the next ones are the reserves, in order.
//  4. U(m) takes x, the generator's next 64-bit output, forms the 128-bit product x·m, and
//     returns its high 64 bits, unless its low 64 bits are below 2⁶⁴ mod m, in which case it
//     draws x again (Lemire's unbiased method).
//
// testdata/draw_reference.py, beside this file, implements the same steps in Python with its
// standard library only; it reproduces Draw's samples exactly.
//
// Draw returns an error wrapping [ErrInvalid] for an empty or duplicate code, a code or label
// containing a tab or newline, Size outside 1…len(frame), negative Reserves or
// MinPerStratum, or a Size too small to give every stratum its minimum.
func Draw(frame []FrameStation, opt DrawOptions) (Sample, error) {
	if opt.Size < 1 || opt.Size > len(frame) {
		return Sample{}, invalid("sample_size", "Size", opt.Size, "Stations", len(frame))
	}
	if opt.Reserves < 0 || opt.MinPerStratum < 0 {
		return Sample{}, invalid("reserves", "Reserves", opt.Reserves, "Minimum", opt.MinPerStratum)
	}
	minimum := opt.MinPerStratum
	if minimum == 0 {
		minimum = 2
	}
	hash, groups, err := group(frame)
	if err != nil {
		return Sample{}, err
	}
	pop := make(map[string]int, len(groups))
	for name, g := range groups {
		pop[name] = len(g)
	}
	alloc, err := Allocate(pop, opt.Size, minimum)
	if err != nil {
		return Sample{}, err
	}
	s := Sample{
		Method: MethodStratifiedV1, Seed: opt.Seed, Size: opt.Size, Reserves: opt.Reserves,
		MinPerStratum: minimum, Frame: hash,
	}
	names := sortedKeys(pop)
	for _, name := range names {
		a := groups[name]
		nh := alloc[name]
		m := min(nh+opt.Reserves, len(a))
		src := rand.NewPCG(opt.Seed, fnv64a(name))
		for i := range m {
			j := i + int(uniform(src, uint64(len(a)-i)))
			a[i], a[j] = a[j], a[i]
		}
		s.Strata = append(s.Strata, StratumSample{
			Stratum:    name,
			Population: len(a),
			Stations:   slices.Clone(a[:nh]),
			Reserves:   slices.Clone(a[nh:m]),
		})
	}
	return s, nil
}

// Verify redraws s from frame with s's own parameters and reports whether it comes out the
// same. It returns nil if so; otherwise an error saying whether the frame differs (by its
// hash), the method is unknown, or the drawn stations differ.
func (s Sample) Verify(frame []FrameStation) error {
	if s.Method != MethodStratifiedV1 {
		return mismatch("unknown_method", "Method", q(s.Method))
	}
	hash, _, err := group(frame)
	if err != nil {
		return err
	}
	if hash != s.Frame {
		return mismatch("other_frame", "Frame", hash, "Drawn", s.Frame)
	}
	again, err := Draw(frame, DrawOptions{Size: s.Size, Seed: s.Seed, Reserves: s.Reserves, MinPerStratum: s.MinPerStratum})
	if err != nil {
		return fmt.Errorf("pvt: redraw: %w", err)
	}
	if len(again.Strata) != len(s.Strata) {
		return mismatch("strata_differ", "Redrawn", len(again.Strata), "Sample", len(s.Strata))
	}
	for i, a := range again.Strata {
		b := s.Strata[i]
		if a.Stratum != b.Stratum || a.Population != b.Population ||
			!slices.Equal(a.Stations, b.Stations) || !slices.Equal(a.Reserves, b.Reserves) {
			return mismatch("stratum_differs", "Stratum", q(a.Stratum))
		}
	}
	return nil
}

// MismatchError is a sample that Verify does not draw again from the frame given: the
// frame differs, the method is unknown, or the drawn stations differ. Its Error is English;
// Text says the same in every language of the message catalogue (stats.pvt.mismatch_*).
type MismatchError struct {
	Msg iltod.Message
}

func (e *MismatchError) Error() string { return "pvt: " + e.Msg.English() }

// Text is the error's message in every language.
func (e *MismatchError) Text() iltod.Text { return e.Msg.All() }

// mismatch returns a *MismatchError with the message stats.pvt.mismatch_<name>; its
// arguments are as invalid's.
func mismatch(name string, pairs ...any) error {
	return &MismatchError{Msg: iltod.Msg("stats.pvt.mismatch_"+name, literals(pairs))}
}

// group validates the frame, hashes it and groups its codes by stratum in frame order.
func group(frame []FrameStation) (string, map[string][]string, error) {
	h := sha256.New()
	seen := make(map[string]bool, len(frame))
	groups := make(map[string][]string)
	var line []byte
	for i, f := range frame {
		if f.Code == "" || strings.ContainsAny(f.Code, "\t\n") || strings.ContainsAny(f.Stratum, "\t\n") {
			return "", nil, invalid("frame_station", "Index", i, "Code", q(f.Code), "Stratum", q(f.Stratum))
		}
		if seen[f.Code] {
			return "", nil, invalid("frame_twice", "Index", i, "Code", q(f.Code))
		}
		seen[f.Code] = true
		groups[f.Stratum] = append(groups[f.Stratum], f.Code)
		line = append(append(append(append(line[:0], f.Stratum...), '\t'), f.Code...), '\n')
		h.Write(line)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), groups, nil
}

// uniform returns an unbiased integer in [0, m), m > 0, by Lemire's multiply-and-reject
// method on src's 64-bit outputs (step 4 of Draw's algorithm).
func uniform(src *rand.PCG, m uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), m)
	if lo < m {
		thresh := -m % m // 2⁶⁴ mod m
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), m)
		}
	}
	return hi
}

func fnv64a(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Allocate divides size sampled stations among strata in proportion to their number of
// stations N_h (population), then raises every stratum to at least minimum (or to N_h if it
// has fewer), taking the stations needed from the others. Exactly:
//
//  1. N = Σ N_h. Each stratum gets ⌊size·N_h / N⌋; the stations left over go one each to the
//     strata with the largest remainders size·N_h mod N, ties to the earlier label.
//  2. Each stratum below min(minimum, N_h) is raised to it.
//  3. While the total exceeds size, one station is taken from the stratum above its own
//     minimum with the largest surplus n_h − size·N_h/N, ties to the earlier label.
//
// The result sums to size and never exceeds N_h. Strata with N_h = 0 get 0. Allocate returns
// an error wrapping [ErrInvalid] if a count is negative, size is not within 1…N, or size is
// smaller than the minimums need.
func Allocate(population map[string]int, size, minimum int) (map[string]int, error) {
	names := sortedKeys(population)
	var N int64
	for _, name := range names {
		if population[name] < 0 {
			return nil, invalid("stratum_size", "Stratum", q(name), "Stations", population[name])
		}
		N += int64(population[name])
	}
	if size < 1 || int64(size) > N {
		return nil, invalid("sample_size", "Size", size, "Stations", N)
	}
	if minimum < 0 {
		return nil, invalid("minimum", "Minimum", minimum)
	}
	S := int64(size)
	H := len(names)
	n := make([]int64, H)
	rem := make([]int64, H)
	floor := make([]int64, H) // minimum of each stratum
	var total, need int64
	for h, name := range names {
		Nh := int64(population[name])
		n[h], rem[h] = S*Nh/N, S*Nh%N
		floor[h] = min(int64(minimum), Nh)
		total += n[h]
		need += floor[h]
	}
	if need > S {
		return nil, invalid("sample_minimum", "Size", size, "Strata", H, "Minimum", minimum, "Needed", need)
	}
	order := make([]int, H)
	for h := range order {
		order[h] = h
	}
	slices.SortStableFunc(order, func(a, b int) int { // largest remainder first; stable keeps label order
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for _, h := range order[:S-total] {
		n[h]++
	}
	total = S
	for h := range n {
		if n[h] < floor[h] {
			total += floor[h] - n[h]
			n[h] = floor[h]
		}
	}
	for ; total > S; total-- {
		best := -1
		var bestSurplus int64 // n_h·N − size·N_h, the surplus scaled by N
		for h, name := range names {
			if n[h] <= floor[h] {
				continue
			}
			surplus := n[h]*N - S*int64(population[name])
			if best < 0 || surplus > bestSurplus {
				best, bestSurplus = h, surplus
			}
		}
		n[best]--
	}
	out := make(map[string]int, H)
	for h, name := range names {
		out[name] = int(n[h])
	}
	return out, nil
}
