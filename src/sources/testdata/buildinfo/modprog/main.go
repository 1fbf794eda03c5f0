// modprog: a module-mode program for the build-info oracle test (src/sources/buildinfo.test.ts).
// Its go.mod says go 1.19 and requires a locally replaced module, so `go version -m` shows mod, dep
// and => lines, and DefaultGODEBUG for a go 1.19 main module.
package main

import (
	"fmt"

	"example.com/dep"
)

var note = "none"

func main() { fmt.Println(dep.Answer(), note) }
