// The polling options `watch` and `check` share, defined once so their names, defaults and help
// never drift apart (issue 10: check lacked --goroutineleak-interval). Parsing stays with the commands.

import type { Command } from 'commander';

/** The polling options watch and check share: sample, profile and goroutineleak pacing, timeouts. */
export function addPollingOptions(cmd: Command): Command {
  return cmd
    .option('--interval <duration>', 'time between samples', '5s')
    .option('--profile-interval <duration>', 'time between heap/goroutine profiles', '30s')
    .option('--goroutine-dump-every <n>', 'fetch goroutine?debug=2 every Nth profile round (0: never)', '4')
    .option('--goroutineleak-interval <duration>', "time between goroutineleak profiles (Go 1.26+), besides one at start and one at the end; each runs a leak-detection GC in the target (0: only those two)", '5m')
    .option('--timeout <duration>', 'per-request timeout for samples', '10s');
}
