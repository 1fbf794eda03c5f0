// Test-only: the one seeded generator behind every random test input (simulated services, random
// profiles, the synthetic fleet), so a test's data is the same on every machine and a failing seed
// can be replayed.
//
// The non-obvious decision: mulberry32, not Math.random or a library: 32 bits of state, a few integer
// operations per draw, and the same sequence in every JS engine.

/** Uniform draws in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
