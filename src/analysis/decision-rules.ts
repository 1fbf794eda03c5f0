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
