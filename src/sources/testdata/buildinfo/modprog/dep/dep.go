// Package dep is a local dependency, so that build info has a dep line and a => replacement
// without a module proxy.
package dep

func Answer() int { return 42 }
