// What counts as a clean input error message: one line, no control characters, and not a paste of a
// huge value (the origin plus what was expected and found fits in a terminal line or two).

import { MAX_MESSAGE_CHARS as CUT } from '../../sources/input-error.js';

/** Longest message accepted: InputError's own cut plus its "… (N more characters)" note. */
export const MAX_MESSAGE_CHARS = CUT + 40;

export function messageProblem(message: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(message)) return 'control character in message';
  if (message.length > MAX_MESSAGE_CHARS) return `message of ${message.length} characters`;
  return undefined;
}
