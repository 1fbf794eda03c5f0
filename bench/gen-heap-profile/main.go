// Command gen-heap-profile writes a big, deterministic Go heap profile for heapsight's benchmark and
// acceptance test: every allocation is sampled (MemProfileRate = 1) and reached through a PRNG-chosen
// chain of generated functions, so each allocation is its own stack, hence its own profile sample.
//
// Usage: gen-heap-profile -samples 1100000 -funcs 8000 -depth 28 -seed 1 -o heap.pb.gz
//
// The one non-obvious decision: a fraction of objects is kept reachable until after the final GC and
// the profile is written after two runtime.GC() calls, because the heap profile reports the state as of
// the most recently completed GC cycle; without them every inuse value would read 0.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// rng is xorshift64*: deterministic across Go versions, unlike math/rand's unspecified stream.
type rng struct {
	s      uint64
	active uint64
	keep   uint64 // keep an object when the draw modulo 100 is below this
}

func (r *rng) next() uint64 {
	r.s ^= r.s >> 12
	r.s ^= r.s << 25
	r.s ^= r.s >> 27
	return r.s * 2685821657736338717
}

func (r *rng) pick() uint64 { return r.next() % r.active }

// size spreads objects over several size classes so that space and object counts differ per site.
func (r *rng) size() int { return 8 + int(r.next()%505) }

var (
	kept [][]byte
	sink []byte
)

// allocate runs after make has returned, so the profile's leaf frame stays the generated function that
// called make (runtime frames are trimmed). It must not allocate itself: kept has its final capacity.
//
//go:noinline
func allocate(r *rng, b []byte) {
	if r.next()%100 < r.keep {
		kept = append(kept, b)
		return
	}
	sink = b
}

func main() {
	samples := flag.Int("samples", 10000, "number of allocations, each through its own call path")
	funcs := flag.Int("funcs", numFuncs, "how many of the generated functions the call paths use")
	depth := flag.Int("depth", 28, "generated frames per stack (Go 1.19 records at most 32 frames)")
	seed := flag.Uint64("seed", 1, "PRNG seed; different seeds give different stacks over the same functions")
	keepPct := flag.Uint64("keep", 30, "percent of objects kept live when the profile is written")
	out := flag.String("o", "heap.pb.gz", "output file (gzip-compressed profile.proto)")
	flag.Parse()
	if *funcs < 1 || *funcs > numFuncs || *depth < 1 || *samples < 0 || *seed == 0 {
		fmt.Fprintln(os.Stderr, "gen-heap-profile: need 1 <= -funcs <= ", numFuncs, ", -depth >= 1, -samples >= 0, -seed != 0")
		os.Exit(2)
	}
	runtime.MemProfileRate = 1
	kept = make([][]byte, 0, *samples*int(*keepPct)/100+1024)
	r := &rng{s: *seed, active: uint64(*funcs), keep: *keepPct}
	for i := 0; i < *samples; i++ {
		table[r.pick()](r, *depth-1)
	}
	sink = nil
	runtime.GC()
	runtime.GC()
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-heap-profile:", err)
		os.Exit(1)
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "gen-heap-profile:", err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "gen-heap-profile:", err)
		os.Exit(1)
	}
	runtime.KeepAlive(kept)
}
