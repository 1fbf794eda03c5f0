// The build info a Go binary carries (`go version -m FILE` prints it; runtime/debug.ReadBuildInfo
// returns it inside the program): the toolchain, the main module, dependencies and build settings.

export interface GoModule {
  path: string;
  version: string;
  sum?: string;
  /** A `=>` replacement: another module path and version, or a local directory (no version). */
  replace?: { path: string; version?: string; sum?: string };
}

export interface BuildInfo {
  /** `go1.27.4`, as runtime.Version() says. */
  goVersion: string;
  /** The main package's import path (`_/abs/dir` in GOPATH mode outside GOPATH). */
  path?: string;
  /** Absent in GOPATH mode: there is no module. */
  main?: GoModule;
  deps: GoModule[];
  /** `build` lines in order (`-race`, `CGO_ENABLED`, `GOEXPERIMENT`, `DefaultGODEBUG`, ...). */
  settings: { key: string; value: string }[];
  /** Where it was read from (`/proc/PID/exe` target, or the file given). */
  origin?: string;
}
