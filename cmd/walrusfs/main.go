// Command walrusfs makes Walrus, the erasure-coded decentralized blob store,
// feel like a plain folder. This is its command line.
package main

import (
	"errors"
	"fmt"
	"os"
)

// Exit statuses, listed in the root command's help.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran, but some of its work failed
	exitUsage   = 2 // bad flags or arguments
)

// errPartial marks a command that reported its own per-item errors.
var errPartial = errors.New("some items failed")

type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errPartial):
		return exitFailure
	case errors.As(err, new(usageError)):
		fmt.Fprintf(os.Stderr, "walrusfs: %v\n", err)
		return exitUsage
	default:
		fmt.Fprintf(os.Stderr, "walrusfs: %v\n", err)
		return exitFailure
	}
}
