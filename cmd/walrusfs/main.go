// Command walrusfs makes Walrus, the erasure-coded decentralized blob store,
// feel like a plain folder. This is its command line.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Exit statuses, listed in the root command's help.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran, but some of its work failed
	exitUsage   = 2 // bad flags or arguments
)

// errPartial marks a command that reported its own per-item errors.
var errPartial = errors.New("some items failed")

// errLocked: another process holds a lock (lockDir).
var errLocked = errors.New("another process holds it")

type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func main() {
	os.Exit(run(os.Args[1:]))
}

// commandLine is the command line run is running (after a mount helper's
// is translated): --daemon runs it again.
var commandLine []string

func run(args []string) int {
	ctx, cancel := signalContext()
	defer cancel()
	var prof profiles
	defer prof.stop()
	root := newRootCmd(&prof)
	args = mountHelperArgs(os.Args[0], args)
	commandLine = args
	root.SetArgs(protectBlobIDs(args))
	err := root.ExecuteContext(ctx)
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

// signalContext returns a context that the first SIGINT or SIGTERM cancels,
// so that daemons shut down gracefully and transfers stop cleanly. The
// second signal cancels the context hurried returns: a mount then stops
// waiting for its uploads at once. After that, a third SIGINT (Ctrl-C)
// kills the process as usual, but further SIGTERMs are ignored: a node
// whose devnet dies gets its parent-death SIGTERM once per exiting thread
// of the devnet, and must not die of one in the middle of closing its
// store. Shutdowns are bounded anyway.
func signalContext() (context.Context, context.CancelFunc) {
	hurry, hurryNow := context.WithCancel(context.Background())
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), hurryKey{}, hurry))
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		defer signal.Stop(sigs)
		for i := 0; ; i++ {
			select {
			case <-sigs:
			case <-done:
				return
			}
			switch i {
			case 0:
				cancel()
			case 1:
				hurryNow()
				signal.Reset(os.Interrupt)
			}
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			cancel()
			hurryNow()
			close(done)
		})
	}
}

type hurryKey struct{}

// hurried returns the context the second signal cancels (see
// signalContext); one that nothing cancels outside a signal context.
func hurried(ctx context.Context) context.Context {
	if h, ok := ctx.Value(hurryKey{}).(context.Context); ok {
		return h
	}
	return context.Background()
}
