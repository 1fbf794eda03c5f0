// The fuzz suite's worker process: runs one input through its targets and reports each outcome. A
// separate process so that a hang can be killed and a V8 out-of-memory abort is an outcome, not the end
// of the run.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../sources/input-error.js';
import { TARGETS } from './targets.js';
import { messageProblem } from './classify.js';

export interface Job {
  bytes: Uint8Array;
  targets: string[];
  origin: string;
}
export interface TargetOutcome {
  target: string;
  kind: 'returned' | 'input-error' | 'other-error' | 'unclean-message';
  ms: number;
  detail?: string;
}
export interface JobResult {
  outcomes: TargetOutcome[];
  maxRssBytes: number;
}

const tmp = mkdtempSync(join(tmpdir(), 'heapsight-fuzz-child-'));

async function runJob(job: Job): Promise<JobResult> {
  const outcomes: TargetOutcome[] = [];
  for (const target of job.targets) {
    const t0 = performance.now();
    let kind: TargetOutcome['kind'] = 'returned';
    let detail: string | undefined;
    try {
      await TARGETS[target](job.bytes, job.origin, tmp);
    } catch (err) {
      if (err instanceof InputError) {
        const problem = messageProblem(err.message);
        if (problem) {
          kind = 'unclean-message';
          detail = `${problem}: ${JSON.stringify(err.message.slice(0, 300))}`;
        } else kind = 'input-error';
      } else {
        kind = 'other-error';
        detail = err instanceof Error ? `${err.name}: ${err.message.slice(0, 300)}` : String(err).slice(0, 300);
      }
    }
    outcomes.push({ target, kind, ms: performance.now() - t0, detail });
  }
  return { outcomes, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
}

process.on('message', (job: Job) => {
  void runJob({ ...job, bytes: new Uint8Array(job.bytes) }).then((r) => process.send!(r));
});
