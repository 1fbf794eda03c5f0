// Every number a decision rule in the verdict engine turns on, named, with the reason it has the value
// it has. Nothing here is fitted to one recording: each value comes from the runtime's behaviour
// (go-memory-facts.md), from statistics (how many looks make evidence), or from the cost of a wrong call.
// Each is unit-tested on its own in decision-rules.test.ts.

/**
 * Growth of non-Go memory only counts once it is this share of RSS at the start: RSS itself moves by a
 * few percent with page-cache and allocator behaviour, so smaller off-heap changes are not a finding.
 */
export const NON_GO_RSS_SHARE = 0.15;

/**
 * A settled (no-leak) judgement reached on one end of an interval (non-Go memory without LazyFree) is
 * weaker than one reached on a measured quantity: the other end is unknown. Confidence is scaled by this.
 */
export const INTERVAL_CONFIDENCE_FACTOR = 0.9;

const MiB = 1024 * 1024;

/**
 * A change of HeapReleased between two polls this large is a release (or reuse) event worth comparing
 * RSS against: smaller moves are the scavenger's page-by-page trickle, lost in RSS's own jitter.
 */
export const RELEASE_STEP_BYTES = 1 * MiB;
/** Release events needed before RSS's response to them says which madvise policy is in force. */
export const MIN_RELEASE_STEPS = 3;
/**
 * The slope of RSS's change on HeapReleased's change is about −1 under MADV_DONTNEED (released pages
 * leave RSS at once) and about 0 under MADV_FREE (they stay until the kernel needs them). Half-way
 * between the two is where the evidence tips.
 */
export const MADV_FREE_SLOPE = -0.5;

/**
 * An early leak call (before MIN_SECONDS_LEAK) needs the heap grown to this many times its start:
 * caches are sized to a working set, and a heap that has quintupled while still rising at full pace is
 * past what a warming cache usually adds to a service's base while it is still filling.
 */
export const EARLY_LEAK_MULTIPLE = 3;
/**
 * And at least this long a window: a cache that fills in half a minute (the common case, issue 9 class
 * 1) has bent by then. The trade: a cache still filling at full pace after 45 s and already three times
 * the service's base is called a leak before MIN_SECONDS_LEAK; the truth cannot be told from the data
 * until it bends, and such a heap is worth the call.
 */
export const EARLY_LEAK_MIN_SECONDS = 45;
/** And its last third still rising at this share of the first third's pace: no bend towards a bound. */
export const EARLY_LEAK_TAIL_PACE = 0.7;
/** And consistently: Kendall's τ this high means almost every later look is above every earlier one. */
export const EARLY_LEAK_TAU = 0.8;

// ---------------------------------------------------------------------------------------------------
// GC cycles estimated without a GC counter (issue 9 class 7; gc-estimate.ts). Appended as one block:
// the rules above belong to the verdict's own evidence.

/**
 * The heap goal's headroom (NextGC − live heap) is floored here when estimating cycles: the runtime's
 * smallest goal is 4 MiB above nothing (GOGC=100), so a headroom under 1 MiB is a reading taken as the
 * heap met its goal, and dividing by it would count one cycle as hundreds.
 */
export const GC_ESTIMATE_MIN_HEADROOM_BYTES = 1024 * 1024;
/** Steps with allocation and a goal needed before an estimate stands for the GC count (fewer: no estimate). */
export const GC_ESTIMATE_MIN_STEPS = 3;
/**
 * Confidence of a heap verdict (leak or no-leak) resting on estimated GC cycles is scaled by this: the
 * looks at the live heap are counted from a model (alloc / headroom) within maybe ±20 %, not observed, so
 * the verdict is kept but marked as somewhat less sure than the same data with the counter.
 */
export const GC_ESTIMATE_CONFIDENCE_FACTOR = 0.85;
