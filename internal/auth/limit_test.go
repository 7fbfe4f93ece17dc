package auth

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock that tests move by hand; it is safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2024, 6, 28, 7, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// allowN reports whether all of n calls to Allow for key were allowed.
func allowN(l *Limiter, key string, n int) bool { return allowed(l, key, n) == n }

// allowed calls Allow n times for key and returns how many were allowed.
func allowed(l *Limiter, key string, n int) int {
	k := 0
	for range n {
		if ok, _ := l.Allow(key); ok {
			k++
		}
	}
	return k
}

func TestLimiterLogin(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(LoginBurst, LoginEvery, clock.Now)
	const key = "login:alice"
	for i := 1; i <= 5; i++ {
		if ok, wait := l.Allow(key); !ok || wait != 0 {
			t.Fatalf("attempt %d = %v, %v; want allowed", i, ok, wait)
		}
	}
	ok, wait := l.Allow(key)
	if ok || wait != 30*time.Second {
		t.Fatalf("6th attempt = %v, %v; want refused, retry after 30s", ok, wait)
	}
	clock.Advance(10 * time.Second)
	if ok, wait := l.Allow(key); ok || wait != 20*time.Second {
		t.Fatalf("attempt 10s later = %v, %v; want refused, retry after 20s", ok, wait)
	}
	// Other keys are not affected.
	if !allowN(l, "login:bob", 5) {
		t.Fatal("login:bob was refused because of alice")
	}
	clock.Advance(20 * time.Second)
	if ok, _ := l.Allow(key); !ok {
		t.Fatal("attempt after the interval refused")
	}
	if ok, wait := l.Allow(key); ok || wait != 30*time.Second {
		t.Fatalf("second attempt after the interval = %v, %v; want refused, 30s", ok, wait)
	}
	// After burst × interval without attempts the bucket is full again, and forgotten.
	clock.Advance(5 * LoginEvery)
	if !allowN(l, key, 5) || allowN(l, key, 1) {
		t.Fatal("after refilling: want exactly 5 more attempts")
	}
}

func TestLimiterIP(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(IPBurst, IPEvery, clock.Now)
	if got := allowed(l, "ip:192.0.2.1", 25); got != 20 {
		t.Fatalf("allowed %d of 25 at once, want 20", got)
	}
	clock.Advance(time.Minute)
	if got := allowed(l, "ip:192.0.2.1", 25); got != 10 {
		t.Fatalf("allowed %d of 25 a minute later, want 10", got)
	}
}

func TestLimiterReset(t *testing.T) {
	l := NewLimiter(2, time.Hour, newFakeClock().Now)
	if !allowN(l, "k", 2) || allowN(l, "k", 1) {
		t.Fatal("want exactly 2 attempts")
	}
	l.Reset("k")
	l.Reset("never seen")
	if !allowN(l, "k", 2) {
		t.Fatal("Reset did not refill the bucket")
	}
}

func TestLimiterForgetsFullBuckets(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(5, time.Second, clock.Now)
	for i := range 1000 {
		l.Allow("k" + strconv.Itoa(i))
	}
	if n := l.Len(); n != 1000 {
		t.Fatalf("Len = %d, want 1000", n)
	}
	clock.Advance(time.Second) // each bucket lost one token and has gained it back
	l.Allow("new")
	if n := l.Len(); n != 1 {
		t.Fatalf("Len after the buckets refilled = %d, want 1", n)
	}
}

func TestLimiterCap(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(LoginBurst, LoginEvery, clock.Now)
	const victim, kept = "login:victim", "login:kept"
	if !allowN(l, victim, 5) || allowN(l, victim, 1) {
		t.Fatal("want exactly 5 attempts for the victim")
	}
	if !allowN(l, kept, 5) {
		t.Fatal("kept refused")
	}
	// Fill the limiter with other keys, touching kept half way so it is not the oldest.
	for i := range MaxLimiterKeys {
		if i == MaxLimiterKeys/2 {
			if ok, _ := l.Allow(kept); ok {
				t.Fatal("kept allowed a 6th attempt")
			}
		}
		if ok, _ := l.Allow("ip:" + strconv.Itoa(i)); !ok {
			t.Fatalf("new key %d refused", i)
		}
		if n := l.Len(); n > MaxLimiterKeys {
			t.Fatalf("Len = %d after %d keys, over the cap", n, i)
		}
	}
	if n := l.Len(); n != MaxLimiterKeys {
		t.Fatalf("Len = %d, want %d", n, MaxLimiterKeys)
	}
	// The victim, the oldest key, was forgotten and starts again with a full bucket;
	// kept, used more recently, was not.
	if ok, _ := l.Allow(kept); ok {
		t.Error("kept was forgotten although used recently")
	}
	if !allowN(l, victim, 5) {
		t.Error("victim was not forgotten although it was the oldest key")
	}
}

func TestLimiterConcurrent(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(LoginBurst, LoginEvery, clock.Now)
	var n atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if ok, _ := l.Allow("login:shared"); ok {
					n.Add(1)
				}
				l.Allow("ip:" + strconv.Itoa(g*100+i))
				if i%10 == 0 {
					l.Reset("ip:0")
					l.Len()
				}
			}
		})
	}
	wg.Wait()
	if n.Load() != LoginBurst {
		t.Fatalf("%d concurrent attempts allowed, want %d", n.Load(), LoginBurst)
	}
}

func TestNewLimiterPanics(t *testing.T) {
	for _, tt := range []struct {
		burst int
		every time.Duration
	}{{0, time.Second}, {1, 0}, {1, -time.Second}, {1 << 40, time.Hour}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewLimiter(%d, %v) did not panic", tt.burst, tt.every)
				}
			}()
			NewLimiter(tt.burst, tt.every, nil)
		}()
	}
	// A nil clock means time.Now.
	if ok, _ := NewLimiter(1, time.Hour, nil).Allow("k"); !ok {
		t.Error("first attempt with the real clock refused")
	}
}
