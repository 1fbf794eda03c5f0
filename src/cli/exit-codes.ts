// Exit codes shared by every command. `check` gives 0/1/3 their CI meanings; elsewhere 1 is unused
// so that a script can tell "heapsight found a leak" from "heapsight could not read its input".
export const EXIT_OK = 0;
export const EXIT_LEAK = 1;
export const EXIT_USAGE = 2;
export const EXIT_INCONCLUSIVE = 3;
export const EXIT_INPUT = 4;
/** A bug in heapsight (an error that is not bad input), as EX_SOFTWARE in sysexits.h. */
export const EXIT_INTERNAL = 70;
