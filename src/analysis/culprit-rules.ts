// The numbers culprits.ts and patterns.ts decide with, each with why (issue 9, classes 5 and 6).
// Thresholds of the verdict itself live in decision-rules.ts; these only decide which code is named.

/**
 * A frame of the program's own code is named for growth spread over many sites only when its
 * subtree (everything allocated under it) explains at least this share of what all growing sites
 * added: "most of the growth". With less, another part of the program explains as much, and naming
 * one frame would hide the other; the flat sites are then the better answer.
 */
export const CUMULATIVE_MIN_SHARE = 0.5;

/**
 * How many flat sites under a cumulative culprit are listed as its detail: enough to show the
 * spread (parser, label sets, interned strings), few enough to read.
 */
export const CUMULATIVE_DETAIL_SITES = 10;
