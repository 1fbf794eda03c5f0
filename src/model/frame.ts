// A source-level frame: shared by profiles and goroutine dumps so that a culprit found in a heap
// profile and one found in a goroutine dump name code the same way.

export interface Frame {
  /** Fully qualified Go function name, e.g. `main.(*cache).put` or `net/http.(*persistConn).readLoop`. */
  function: string;
  file: string;
  line: number;
}
