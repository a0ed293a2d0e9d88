//go:build !linux

package main

import "os"

// isTerminal reports whether f is a character device, which a terminal is
// (so is /dev/null, where a progress bar does no harm).
func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
