/** A bad flag value or combination, found after commander's own parsing; exits with EXIT_USAGE. */
export class UsageError extends Error {}
