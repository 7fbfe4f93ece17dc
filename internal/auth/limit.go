package auth

import (
	"container/list"
	"math"
	"sync"
	"time"
)

// Defaults for sign-in: one Limiter keyed by login name and one keyed by client address.
// A login may be tried 5 times at once and once more every 30 seconds after that (at most
// 2,880 guesses a day); an address may try 20 times at once and then once every 6 seconds,
// which lets an observers' office behind one NAT sign its staff in within minutes while
// still limiting password spraying across many logins.
const (
	LoginBurst = 5
	LoginEvery = 30 * time.Second
	IPBurst    = 20
	IPEvery    = 6 * time.Second
)

// MaxLimiterKeys is the number of keys a Limiter remembers. Past it the key used least
// recently is forgotten, and so starts again with a full bucket.
const MaxLimiterKeys = 100_000

// Limiter is a rate limiter with one token bucket per key, such as "login:alice" or
// "ip:192.0.2.1". A bucket holds up to burst tokens and gains one every interval; each
// allowed call takes one. Buckets that have filled up again are forgotten, and at most
// MaxLimiterKeys are kept, so memory stays bounded whatever keys clients make up.
//
// A Limiter is safe for concurrent use. It must be made with NewLimiter.
type Limiter struct {
	burst int
	every time.Duration
	clock func() time.Time
	max   int // keys kept; a field so that tests can shrink it

	mu   sync.Mutex
	keys map[string]*list.Element // values are *bucket
	lru  *list.List               // front: used most recently
}

// bucket holds one key's state as a theoretical arrival time (the generic cell rate
// algorithm): the bucket is full when tat is not after now, and holds
// burst - (tat-now)/every tokens otherwise.
type bucket struct {
	key string
	tat time.Time
}

// NewLimiter returns a Limiter that allows burst calls at once per key and one more every
// interval after that, reading the time from clock (time.Now if nil). It panics if burst
// is less than 1, every is not positive, or burst × every overflows a time.Duration.
func NewLimiter(burst int, every time.Duration, clock func() time.Time) *Limiter {
	if burst < 1 || every <= 0 || int64(every) > math.MaxInt64/int64(burst) {
		panic("auth: NewLimiter: burst must be at least 1 and every positive")
	}
	if clock == nil {
		clock = time.Now
	}
	return &Limiter{
		burst: burst,
		every: every,
		clock: clock,
		max:   MaxLimiterKeys,
		keys:  make(map[string]*list.Element),
		lru:   list.New(),
	}
}

// Allow reports whether a call for key may go ahead now, and takes a token if so. If not,
// retryAfter is how long until the next token, suitable for a Retry-After header; a
// refused call takes nothing.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forgetFull(now)

	var b *bucket
	if e, found := l.keys[key]; found {
		l.lru.MoveToFront(e)
		b = e.Value.(*bucket)
	} else {
		b = &bucket{key: key, tat: now}
		l.keys[key] = l.lru.PushFront(b)
		for l.lru.Len() > l.max {
			l.remove(l.lru.Back())
		}
	}

	tat := b.tat
	if tat.Before(now) {
		tat = now
	}
	if wait := tat.Sub(now) - time.Duration(l.burst-1)*l.every; wait > 0 {
		return false, wait
	}
	b.tat = tat.Add(l.every)
	return true, 0
}

// Reset forgets key, giving it a full bucket: for example the login's bucket after a
// successful sign-in, so that earlier typing mistakes do not count against the next one.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, found := l.keys[key]; found {
		l.remove(e)
	}
}

// Len returns the number of keys the Limiter remembers.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// forgetFull removes full buckets from the least recently used end, stopping at the first
// bucket that is not full, so each call does constant work on average. A full bucket is
// the same as no bucket.
func (l *Limiter) forgetFull(now time.Time) {
	for e := l.lru.Back(); e != nil; e = l.lru.Back() {
		if e.Value.(*bucket).tat.After(now) {
			return
		}
		l.remove(e)
	}
}

func (l *Limiter) remove(e *list.Element) {
	delete(l.keys, e.Value.(*bucket).key)
	l.lru.Remove(e)
}
