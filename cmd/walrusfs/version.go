package main

import (
	"fmt"
	"runtime/debug"
)

// version describes this build: the module's version, and the commit it
// was built from when the Go toolchain recorded one.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+changes"
			}
		}
	}
	if rev != "" && (v == "" || v == "(devel)") {
		v = fmt.Sprintf("(devel) %.12s%s", rev, modified)
	}
	return fmt.Sprintf("%s, %s", v, info.GoVersion)
}
