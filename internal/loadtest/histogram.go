package loadtest

import (
	"math"
	"math/bits"
	"time"
)

// subBits sets the precision of a histogram: each power of two of
// nanoseconds is split into 1<<subBits buckets of equal width, so a bucket is
// at most 1/128 (0.78%) of its values wide.
const subBits = 7

// numBuckets covers every int64 count of nanoseconds: 1<<subBits exact
// buckets below 1<<subBits, then 1<<subBits for each power of two up to 2^63.
const numBuckets = (64 - subBits) << subBits

// histogram counts latencies in logarithmic buckets, after HdrHistogram:
// values below 128 ns have a bucket each, and above that each power of two
// has 128 buckets. It takes constant memory (57 KiB) whatever the number
// of values, and a quantile read from it is at most 0.78% above the true
// value and never below it. The maximum is kept exactly. A histogram is not
// safe for concurrent use: each client has its own, merged at the end.
type histogram struct {
	counts [numBuckets]uint64
	n      uint64
	max    time.Duration
}

// bucket returns the index of the bucket that holds v nanoseconds.
func bucket(v uint64) int {
	if v < 1<<subBits {
		return int(v)
	}
	shift := bits.Len64(v) - 1 - subBits
	return (shift+1)<<subBits + int(v>>shift&(1<<subBits-1))
}

// upper returns the largest value that falls in bucket i.
func upper(i int) uint64 {
	if i < 1<<subBits {
		return uint64(i)
	}
	shift := i>>subBits - 1
	sub := uint64(i & (1<<subBits - 1))
	low := (1<<subBits + sub) << shift
	return low + 1<<shift - 1
}

func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucket(uint64(d))]++
	h.n++
	if d > h.max {
		h.max = d
	}
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the latency below or at which a fraction q (0 < q ≤ 1) of
// the values lie: the upper bound of the bucket of the value of rank
// ⌈q·n⌉, but not above the maximum. It returns 0 for an empty histogram.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q*float64(h.n) - 1e-9))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(upper(i)), h.max)
		}
	}
	return h.max
}
