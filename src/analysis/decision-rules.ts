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
 * A sure rise of non-Go memory (the lower end of its interval above zero) at least this share of RSS
 * per FLAT_HORIZON_SECONDS is never flat, however far under the 4 MiB flat allowance it stays: RSS's own
 * jitter is a few percent of it in all (NON_GO_RSS_SHARE), not a few percent every minute, and at this
 * pace the growth reaches NON_GO_RSS_SHARE of RSS within six horizons. (A cgo leak of 1 MiB a minute on
 * a 16 MiB RSS stayed under 4 MiB for three minutes: the corpus's cgo-malloc-1m-per-min, "no-leak".)
 */
export const NON_GO_SURE_RISE_RSS_SHARE = 0.025;
/**
 * A level live heap in bytes is no evidence of a bound while the live objects are surely rising: the
 * lower end of their growth's interval above zero and their growth at least this share of their level
 * (HEAP_THRESHOLDS.minRelative, a leak's worth). A 100 KiB/min leak of small objects on a 0.5 MiB heap
 * is inside the bytes' 1 MiB flat allowance for minutes while its objects grow by 70 % in a minute
 * (the corpus's map-100k-per-min, "no-leak" from 80 s on Go 1.27); healthy services' objects move a few percent.
 */
export const OBJECTS_SURE_RISE_SHARE = 0.2;
/**
 * And their rise significant: Mann–Kendall p under this. The interval's lower end alone is a one-sided
 * 95 % bound, and eight looks after a burst (objects the burst left, p = 0.05) clear it by chance; a
 * slow leak's objects climb with p ≈ 0.001 within a minute and a half.
 */
export const OBJECTS_SURE_RISE_P = 0.01;

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
 * Independent looks at a series before any verdict: the fewest points on which the Theil–Sen slope has
 * a bounded 90 % interval (with four, the interval's rank bounds fall outside the pairwise slopes, so
 * both of its ends are infinite). A look at the live heap is one GC cycle (forced or not); a goroutine
 * count or RSS is one poll. Replaces the fixed 60 s / 6-point / 6-cycle floors: how sure a flat or a
 * leak call is comes from the interval these looks give, not from the clock.
 */
export const MIN_LOOKS = 5;
/**
 * A heap that keeps everything it allocates (the floor each GC leaves rises at every GC and has at least
 * doubled: light traffic, few collections) needs fewer looks, since each one is already strong evidence.
 */
export const MIN_LOOKS_RETAINING = 3;
/**
 * A shape that explains growth away (a level tail after a rise, a return to the start) is read from
 * at least this many independent looks: a tail of six (trend.ts PLATEAU_MIN_POINTS) and as many before
 * it. Polls between GCs are not looks: HeapAlloc's sawtooth between four GC cycles "returns to its
 * baseline" at every collection, and was read as bounded while a ticker leak grew (caught at 30 s).
 */
export const BOUNDED_MIN_LOOKS = 12;
/** A leak is called only with the end of the window to judge (see trend.ts SHAPE_SEGMENT_POINTS): two ends of three points. */
export const LEAK_MIN_LOOKS = 6;

/**
 * A no-leak call speaks for at least this long a stretch of growth: the upper end of the growth's
 * interval is projected over FLAT_HORIZON_SECONDS when the window is shorter. With flatGrowth = 1 MiB,
 * a flat call then bounds the leak it can miss to about 1 MiB a minute however short the window (a
 * small leak under heavy churn, 1.2 MiB/min, is level for 45 s and 700 GC cycles: its 45 s upper
 * bound projected over the minute is not flat). In place of the fixed 60 s floor: a window of 40 s
 * whose interval is tight enough is no-leak, one of 80 s whose interval is wide is not.
 */
export const FLAT_HORIZON_SECONDS = 60;
/**
 * The projection goes at most this far beyond the window (windows of at least FLAT_HORIZON_SECONDS /
 * FLAT_MAX_PROJECTION seconds): GC cycles in quick succession are not independent looks at slow
 * growth (a start-up trace of 16 cycles within one second, level at 1 MiB, gave a 1 MiB/min map leak
 * a "no-leak" at 5 s of the corpus's map-1m-per-min).
 */
export const FLAT_MAX_PROJECTION = 4;
/**
 * The slowest leak issue 9 asks to catch, 100 KiB a minute (per FLAT_HORIZON_SECONDS). A rise that is
 * surely there (the lower end of its interval above zero), already a leak's share of the level and at
 * least this fast is never called flat, however few bytes it is: the absolute flat threshold (1 MiB)
 * let a 100 KiB/min map leak on a 0.4 MiB heap (+77 % in two minutes) read as no-leak.
 */
export const LEAK_FLOOR_BYTES_PER_HORIZON = 100 * 1024;

/**
 * A leak is never called on a window shorter than this (issue 9 class 1): a cache that fills in 30 s
 * and then stays level is, at 30 s, exactly a leak to the data; its bend has shown by 45 s. With the
 * tail pace below, caches that fill within LEAK_MIN_SECONDS × (2 + LEAK_TAIL_PACE_EARLY) / 3 ≈ 40 s
 * are never called a leak (the property test in verdict.test.ts); a cache still filling at full pace
 * when the window ends is only told from a leak by waiting for its bound.
 */
export const LEAK_MIN_SECONDS = 45;
/**
 * While the window is under 2 × LEAK_MIN_SECONDS, the last third (segment) must still rise at this
 * share of the first's pace, on every axis: a cache that filled in F seconds seen at W ≥ F shows a tail
 * ratio of about 1 − 3(W − F)/W, which stays above 0.7 only while W < 1.11 F.
 */
export const LEAK_TAIL_PACE_EARLY = 0.7;
/**
 * And while the window is under 2 × LEAK_MIN_SECONDS, the heap must have grown to this many times its
 * start: caches are sized to a working set, and one still filling at full pace is told from a leak
 * only by its size until it bends (the corpus's gogc800-lru: a 2 MiB LRU still filling at 80 s, 2.25×
 * its start, was called a leak from 65 s; under the former fixed 90 s floor it was not).
 */
export const LEAK_EARLY_MULTIPLE = 3;
/**
 * From 2 × LEAK_MIN_SECONDS on, a tail under this share of the first third's pace is a bend towards a
 * bound, not a leak: half-way between a steady leak (1) and a level tail (0), with room for noise.
 */
export const LEAK_TAIL_PACE = 0.35;
/**
 * A leak's rise must be consistent: Kendall's τ at least this (half the pairs of looks more concordant
 * than not), so a few high points among level ones (bursts caught live) do not make a trend.
 */
export const LEAK_MIN_TAU = 0.5;
/**
 * Significance of the rise: Mann–Kendall p under this, or (with few looks, where p cannot get that low:
 * six perfectly ordered points give p ≈ 0.004) the lower end of the growth's 90 % interval already a
 * leak's worth of growth. Under a heap that keeps all it allocates, LEAK_P_RETAINING.
 */
export const LEAK_P = 0.001;
export const LEAK_P_RETAINING = 0.01;
/** The growth (point estimate) at least this many noise widths: a leak stands out of its own scatter. */
export const LEAK_MIN_SNR = 4;

/**
 * A live-heap reading is taken as freed (a burst marked while in use, not memory kept) when a later
 * poll's HeapAlloc or a later GC's live heap is under it by at least this share of it: half, far above
 * the noise of any live-heap estimate (a few percent to a third on small heaps), so level series are
 * never reshaped, while a 200 MiB burst over an 8 MiB base is undercut by 96 %.
 */
export const FREED_SHARE = 0.5;
/** And by at least this much: four whole MiB of gctrace's rounding, so tiny heaps' jitter is never "freed". */
export const FREED_MIN_BYTES = 4 * MiB;

/**
 * A step (trend.ts stepShape): each level stretch has at least this many points, the fewest with a
 * level of its own to speak of (a single high point is a burst caught live, not a step).
 */
export const STEP_MIN_POINTS = 4;
/** The two-level fit leaves at most this share of the straight line's residual spread: clearly the better model. */
export const STEP_FIT_SHARE = 0.5;
/** And the step is at least this many of the two-level residuals' widths: out of the noise. */
export const STEP_MIN_NOISE = 4;
/**
 * A plateau (trend.ts) is no plateau while its last 2 × PLATEAU_MIN_POINTS points still climb with
 * Mann–Kendall p at or under this: a last third that spans a drop (RSS giving back a page run) reads as
 * level while what follows the drop keeps climbing (the corpus's cgo-malloc-1m-per-min on Go 1.27, its
 * last 12 polls +0.3 MiB in a row, was "bounded" at 140 s). A level tail's noise gets that low once in a hundred.
 */
export const PLATEAU_TAIL_P = 0.01;
/** Neither stretch rises on its own: Mann–Kendall p of each above this (a leak after a step keeps rising). */
export const STEP_LEVEL_P = 0.05;

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

// ---------------------------------------------------------------------------------------------------
// Deceleration: a saturating curve fitted to the same data (trend.ts saturationFit). A cache whose
// keyspace fills with time constant τ grows as A·(1 − e^(−t/τ)): it decelerates smoothly, with no
// plateau and no bend a third-by-third comparison can see before the window spans ~2τ (the corpus's
// keyspace-tau150s: its last third still rose at half the first's pace at 130 s, called a leak).

/**
 * A leak call needs growth a saturating curve does not explain better: the straight line's squared
 * residuals minus those of the best curve A·(1 − e^(−k·u)) that has slowed to SATURATION_MAX_PACE or
 * less, in point-to-point noise variances, must not exceed this. It is the χ² quantile of one degree of
 * freedom at p = 0.10: a one-in-ten chance for a steady leak's window to read as bending (and then be
 * "inconclusive", never wrong), against a cache's fill that bends by this much within two time
 * constants. A lower bar (no margin at all) took leaks whose map doublings make their live heap a
 * staircase, which bends about as often as not within a window.
 */
export const SATURATION_CHI2 = 3.84;
/**
 * The saturating curves considered are those whose slope at the window's end is at most this share of
 * their slope at the start: the pace a leak's tail must keep early on (LEAK_TAIL_PACE_EARLY). A curve
 * that slowed less is, over the window, as good as straight; one that slowed more is a cache filling.
 */
export const SATURATION_MAX_PACE = 0.7;

// ---------------------------------------------------------------------------------------------------
// How sure a call is (analysis/confidence.ts). These numbers never change a verdict: they set where in
// its range a verdict's confidence sits, and so when `watch --until-verdict` (default 0.8) stops. Each
// factor runs from 0 at the bar its rule above sets to 1 at the value named here, past which more of
// the same evidence adds nothing.

/** A leak call's confidence lies in [LEAK_CONFIDENCE_MIN, LEAK_CONFIDENCE_MIN + LEAK_CONFIDENCE_SPAN]: the rules already made it a leak, so never a coin toss, and never certainty. */
export const LEAK_CONFIDENCE_MIN = 0.6;
export const LEAK_CONFIDENCE_SPAN = 0.39;
/** A settled (no-leak) series' confidence lies in [SETTLED_CONFIDENCE_MIN, SETTLED_CONFIDENCE_MIN + SETTLED_CONFIDENCE_SPAN]: lower than a leak's, since "no leak yet" is only ever a bound. */
export const SETTLED_CONFIDENCE_MIN = 0.55;
export const SETTLED_CONFIDENCE_SPAN = 0.4;
/** Looks at the series past which more add no confidence: the Theil–Sen interval narrows as 1/√n, and from 30 points on by under a tenth per ten more. */
export const CONFIDENCE_FULL_POINTS = 30;
/** GC cycles past which more add no confidence: each is one independent look at the live heap (the same 1/√n argument, with headroom for cycles that land mid-burst). */
export const CONFIDENCE_FULL_GC_CYCLES = 40;
/** Without a GC count the GC factor is neutral: neither for nor against. */
export const CONFIDENCE_UNKNOWN_FACTOR = 0.5;
/** A settled call's time factor is full after this long: three flat horizons (FLAT_HORIZON_SECONDS) of a flat series. */
export const CONFIDENCE_FULL_SETTLED_SECONDS = 3 * FLAT_HORIZON_SECONDS;
/** Decades of Mann–Kendall p beyond LEAK_P at which significance is full (p = 1e-8). */
export const CONFIDENCE_FULL_P_DECADES = 5;
/** Kendall's τ at which consistency is full (LEAK_MIN_TAU is its zero): nine concordant pairs in ten. */
export const CONFIDENCE_FULL_TAU = 0.9;
/** Growth in noise widths at which standing out is full (LEAK_MIN_SNR is its zero). */
export const CONFIDENCE_FULL_SNR = 16;
/** Tail pace (last third over first) at which "still going" is full (LEAK_TAIL_PACE is its zero): three quarters of the first third's pace. */
export const CONFIDENCE_FULL_TAIL_PACE = 0.75;
/** A series settled by its shape (plateau, return, a step) rather than by a tight bound: its flatness factor, fixed. */
export const CONFIDENCE_SHAPE_FLATNESS = 0.8;

// ---------------------------------------------------------------------------------------------------
// What counts as a leak's worth of growth and as flat, per series (verdict.ts *_THRESHOLDS). A leak
// needs growth of at least the absolute AND the relative amount; flat needs the growth's upper bound
// over the window (projected to FLAT_HORIZON_SECONDS when the window is shorter) under the absolute OR
// the relative one.

/**
 * Live heap: a leak has grown by at least 1 MiB, gctrace's resolution (it prints whole MiB), so a
 * leak call never rests on one rounding step of the most common exact source.
 */
export const HEAP_LEAK_MIN_BYTES = 1 * MiB;
/**
 * And by a fifth of its level: above the noise of any live-heap estimate taken at a GC (a few percent
 * on big heaps, up to a third on small ones, where SNR and p must then carry it), and small enough
 * that a leak doubling the heap in ten minutes is called within a few.
 */
export const HEAP_LEAK_MIN_RELATIVE = 0.2;
/** Flat: the growth's upper bound under 1 MiB (the same gctrace resolution: less cannot be told from rounding)... */
export const HEAP_FLAT_BYTES = 1 * MiB;
/** ...or under a tenth of the level: half a leak's relative worth, so flat and leak never meet. */
export const HEAP_FLAT_RELATIVE = 0.1;
/**
 * Goroutines: a leak has added at least 10: worker pools, connection pools and timers move a healthy
 * count by a few at a time, and a count read at every poll is exact, so 10 more that stay is a trend.
 */
export const GOROUTINE_LEAK_MIN = 10;
/** And a quarter of the level: a 1,000-goroutine server whose pools breathe by 100 is not leaking. */
export const GOROUTINE_LEAK_MIN_RELATIVE = 0.25;
/** Flat: under 5 more at the upper bound (half the leak minimum)... */
export const GOROUTINE_FLAT = 5;
/** ...or under a tenth of the level. */
export const GOROUTINE_FLAT_RELATIVE = 0.1;
/**
 * Live objects (HeapObjects at a GC) only ever corroborate the bytes' call. A thousand objects is the
 * smallest leak of small objects that matters beside a 1 MiB byte minimum (1 KiB each)...
 */
export const OBJECTS_LEAK_MIN = 1000;
/** ...and a fifth of the level, as for bytes. */
export const OBJECTS_LEAK_MIN_RELATIVE = 0.2;
/** Flat objects: under 500 (half the minimum)... */
export const OBJECTS_FLAT = 500;
/** ...or a tenth of the level. */
export const OBJECTS_FLAT_RELATIVE = 0.1;
/**
 * Memory outside the Go runtime's mappings (cgo, mmap, the binary's pages): RSS moves by megabytes with
 * page faults on the binary, glibc's arenas and the kernel's accounting, so off-heap growth needs 8 MiB
 * (and NON_GO_RSS_SHARE of RSS) before it is a finding.
 */
export const NON_GO_LEAK_MIN_BYTES = 8 * MiB;
/** And 15 % of its own level. */
export const NON_GO_LEAK_MIN_RELATIVE = 0.15;
/** Flat off-heap memory: under 4 MiB at the upper bound (half the minimum)... */
export const NON_GO_FLAT_BYTES = 4 * MiB;
/** ...or a tenth of the level. */
export const NON_GO_FLAT_RELATIVE = 0.1;

/**
 * A series swamped by bursts has no usable interval; it is flat without one only when it shows no
 * upward tendency at all: Mann–Kendall p above this (nowhere near significance)...
 */
export const NO_TENDENCY_P = 0.3;
/** ...and growth under this many noise widths (half LEAK_MIN_SNR). */
export const NO_TENDENCY_MAX_SNR = 2;
/**
 * The normal-theory bound on the robust (MAD) noise speaks only from this many points (a tail of six
 * and as many before it, as BOUNDED_MIN_LOOKS), and only while the rise is not consistent: p above
 * SMALL_FIT_MIN_P.
 */
export const SMALL_FIT_MIN_POINTS = 12;
export const SMALL_FIT_MIN_P = 0.01;
/** That bound is the base's growth plus this many standard errors of a fitted line's growth (σ·√(12/n) over its span): a one-sided ~97.5 % bound. */
export const MAD_BOUND_SIGMAS = 2;

// ---------------------------------------------------------------------------------------------------
// Recording-level rules (analyze-recording.ts): which axis a series is read on, when the heap keeps all
// it allocates, when off-heap growth is the heap's own, and how process lifetimes combine.

/** A work axis (work metric, bytes or objects allocated, time) is used when at least this share of polls carry it: a few polls without it are gaps, more make it a different series. */
export const AXIS_MIN_SHARE = 0.8;
/** "Retaining" (MIN_LOOKS_RETAINING applies): the live heap rises with τ at least this, and so do the floors each GC leaves: nearly every pair of looks in order. */
export const RETAINING_MIN_TAU = 0.8;
/** No floor may fall under this share of the highest before it: the 5 % a live-heap estimate wobbles by, and no more. */
export const RETAINING_FLOOR_TOLERANCE = 0.95;
/** And the floors have at least doubled: each look is strong evidence only when the heap keeps (almost) all it allocates. */
export const RETAINING_MIN_MULTIPLE = 2;
/**
 * Off-heap means the runtime's own mappings did not follow: when Go-mapped memory (Sys − HeapReleased)
 * grew by at least this share of the non-Go growth, the growth is the Go heap's (judged on its own), and
 * the off-heap series is held at "rising", never "growing".
 */
export const OFF_HEAP_GO_MAPPED_SHARE = 0.5;
/** A process lifetime ended by a restart "rose" with at least this many looks... */
export const RISING_LIFETIME_MIN_POINTS = 4;
/** ...rising with τ at least this (a looser bar than LEAK_MIN_TAU's partner p: the restart itself is evidence)... */
export const RISING_LIFETIME_MIN_TAU = 0.6;
/** ...by at least this share of its level (a leak's worth, HEAP_LEAK_MIN_RELATIVE). */
export const RISING_LIFETIME_MIN_RELATIVE = 0.2;
/** Lifetimes that must all have ended rising before restarts read as a leak ending in OOM kills: one could be chance. */
export const OOM_CYCLE_MIN_LIFETIMES = 2;
/** Such a cycle is a heap leak (not off-heap) when every lifetime's live heap rose with Mann–Kendall p under this. */
export const OOM_CYCLE_HEAP_P = 0.01;
/** Its confidence: OOM_CYCLE_CONFIDENCE_MIN plus OOM_CYCLE_CONFIDENCE_PER_LIFETIME per rising lifetime, at most OOM_CYCLE_CONFIDENCE_MAX. */
export const OOM_CYCLE_CONFIDENCE_MIN = 0.55;
export const OOM_CYCLE_CONFIDENCE_PER_LIFETIME = 0.1;
export const OOM_CYCLE_CONFIDENCE_MAX = 0.9;
/** A no-leak verdict taken from the previous lifetime (the current one too short) is scaled by this: it speaks for a process that no longer runs. */
export const PREVIOUS_LIFETIME_CONFIDENCE_FACTOR = 0.9;
/** The heap growth beside a goroutine leak is reported as held by those goroutines when it rose with p under this. */
export const HEAP_HELD_BY_GOROUTINES_P = 0.01;

// ---------------------------------------------------------------------------------------------------
// Growth against traffic (trend.ts trafficFit: y = a + b·work + c·rate on a varying work rate).

/** The work rate "varies" (a ramp, bursts) when its robust spread is at least this share of its median: a steadier rate cannot tell amount from rate. */
export const TRAFFIC_MIN_RATE_SPREAD = 0.15;
/** The series tracks the traffic (memory that follows the load, not the work done) when the rate's t statistic is at least this (two-sided p ≈ 0.003)... */
export const TRACKS_TRAFFIC_MIN_T_RATE = 3;
/** ...while cumulative work explains nothing beyond it: its t under this (p ≈ 0.13, nowhere near significance). */
export const TRACKS_TRAFFIC_MAX_T_WORK = 1.5;
/**
 * Growth counts under changing traffic only when the work done explains it beyond the rate: its t at
 * least this (p ≈ 0.0005). Between TRACKS_TRAFFIC_MAX_T_WORK and this, neither is claimed: the window
 * cannot yet tell amount from rate.
 */
export const GROWS_WITH_WORK_MIN_T = 3.5;

// ---------------------------------------------------------------------------------------------------
// Back to where it started (trend.ts returnedToBaseline): bursts that were given back.

/** Judged from this many points (a tail of six and as many before it, as BOUNDED_MIN_LOOKS): fewer, and one lucky low GC is a "return". */
export const RETURN_MIN_POINTS = 12;
/** The tail is the median of the last tenth of the points, at least this many. */
export const RETURN_TAIL_MIN_POINTS = 4;
/** The rise before the return stands out: above this many noise widths... */
export const RETURN_MIN_RISE_NOISES = 4;
/** ...and this share of the level (a leak's worth, HEAP_LEAK_MIN_RELATIVE), or every level series would "return" from its own jitter. */
export const RETURN_MIN_RISE_SHARE = 0.2;
/** The tail is back within this many noise widths of the first third's level... */
export const RETURN_TOLERANCE_NOISES = 2;
/** ...or this share of it (a live-heap estimate's wobble). */
export const RETURN_TOLERANCE_SHARE = 0.05;
/** And the whole series shows no rising tendency: Mann–Kendall p above this (a steady leak's last points land near its start by chance when noise is a third of the growth). */
export const RETURN_MIN_P = 0.05;
