// `--html FILE` and `--md FILE` for analyze, watch and check: render and write the report files in one
// call so the three commands behave the same.
//
// The non-obvious decision: each file is written to a temporary name and renamed, so a report that a
// browser or a CI artifact upload picks up is never half written.

import { renameSync, writeFileSync } from 'node:fs';
import { renderHtmlReport } from './html/render.js';
import type { ReportInput } from './html/report-data.js';
import { renderMarkdownReport } from './markdown.js';

export interface ReportFileOptions {
  html?: string;
  md?: string;
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Write the requested report files; returns the paths written, in the order html, md. */
export function writeReportFiles(input: ReportInput, files: ReportFileOptions): string[] {
  const written: string[] = [];
  if (files.html) {
    writeAtomically(files.html, renderHtmlReport(input));
    written.push(files.html);
  }
  if (files.md) {
    writeAtomically(files.md, renderMarkdownReport(input));
    written.push(files.md);
  }
  return written;
}
