package main

import "testing"

// TestServeFlags: flags serve cannot use are a usage error, before any
// network is dialed.
func TestServeFlags(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--listen", "31415"},
		{"serve", "--max-body-size", "0"},
		{"serve", "--max-body-size", "lots"},
		{"serve", "extra"},
	} {
		if code := run(args); code != exitUsage {
			t.Errorf("walrusfs %q: exit %d, want %d", args, code, exitUsage)
		}
	}
}
