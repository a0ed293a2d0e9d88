package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// profiles writes the CPU and heap profiles asked for by --cpuprofile and
// --memprofile (as rclone's flags of those names), for "go tool pprof".
type profiles struct {
	cpu, mem string
	cpuFile  *os.File
}

func (p *profiles) addFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile of the command to this file")
	f.StringVar(&p.mem, "memprofile", "", "write a heap profile to this file when the command ends")
}

func (p *profiles) start() error {
	if p.cpu == "" {
		return nil
	}
	f, err := os.Create(p.cpu)
	if err != nil {
		return usageError{fmt.Errorf("--cpuprofile: %w", err)}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	p.cpuFile = f
	return nil
}

// stop ends the CPU profile and writes the heap profile; failures are
// reported, not returned: the command's own outcome stands.
func (p *profiles) stop() {
	if p.cpuFile != nil {
		pprof.StopCPUProfile()
		if err := p.cpuFile.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "walrusfs: --cpuprofile: %v\n", err)
		}
		p.cpuFile = nil
	}
	if p.mem == "" {
		return
	}
	runtime.GC() // the profile shows live memory as of the last GC
	f, err := os.Create(p.mem)
	if err == nil {
		err = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "walrusfs: --memprofile: %v\n", err)
	}
}
