#!/usr/bin/env node
// Reference column for the benchmark: how long the pprof-format npm package (the usual JS choice) takes
// to gunzip and decode the whole profile into objects. Usage: node bench/pprof-format-decode.mjs PROFILE
// Passes a Buffer, not a bare Uint8Array: pprof-format < 2.3 decodes Uint8Array input in quadratic time.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

const t0 = process.hrtime.bigint();
const profile = Profile.decode(gunzipSync(readFileSync(process.argv[2])));
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(JSON.stringify({ samples: profile.sample.length, ms }));
