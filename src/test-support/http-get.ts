// Test-only: GET a URL of a service a test started on loopback and return the body as served, for tests
// that save what an example serves into loose files. Not the product's HTTP core (sources/http.ts):
// no caps, redirects or redaction, since the test owns the service; but a status of 400 or more is an
// error, so a test never saves an error page as if it were a capture.

import { get } from 'node:http';

export function getBody(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 400) reject(new Error(`GET ${url}: HTTP ${status}`));
        else resolve(Buffer.concat(parts));
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}
