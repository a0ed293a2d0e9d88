package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/walrusfs/walrusfs/walrus/netconfig"
)

// Restart delays of a child that died: doubling from the first to the last,
// back to the first after a run of stableRun.
const (
	firstRestartDelay = time.Second
	lastRestartDelay  = 30 * time.Second
	stableRun         = time.Minute
)

// child is a node process that the devnet runs, and restarts when it dies.
type child struct {
	name    string
	exe     string
	args    []string
	pidFile string // holds the process ID while the process runs
	restart bool
	grace   time.Duration // from SIGTERM to SIGKILL
	log     *slog.Logger

	mu  sync.Mutex
	pid int
}

func (c *child) currentPID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pid
}

func (c *child) setPID(pid int) {
	c.mu.Lock()
	c.pid = pid
	c.mu.Unlock()
	if pid == 0 {
		if err := os.Remove(c.pidFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			c.log.Warn("cannot remove pid file", "path", c.pidFile, "err", err)
		}
		return
	}
	if err := netconfig.WriteFileAtomic(c.pidFile, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		c.log.Warn("cannot write pid file", "path", c.pidFile, "err", err)
	}
}

// supervise runs the process until ctx ends, then stops it: SIGTERM, and
// SIGKILL after the grace period.
func (c *child) supervise(ctx context.Context) {
	// The kernel sends a child its parent-death signal when the thread that
	// started it exits, so the starting thread stays this goroutine's.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	delay := firstRestartDelay
	for ctx.Err() == nil {
		cmd := exec.Command(c.exe, c.args...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		cmd.SysProcAttr = childSysProcAttr()
		started := time.Now()
		if err := cmd.Start(); err != nil {
			c.log.Error("cannot start node", "err", err)
		} else {
			c.setPID(cmd.Process.Pid)
			c.log.Info("node process started", "pid", cmd.Process.Pid)
			exited := make(chan struct{})
			go func() {
				_ = cmd.Wait()
				close(exited)
			}()
			select {
			case <-exited:
			case <-ctx.Done():
				c.stop(cmd, exited)
				c.setPID(0)
				return
			}
			c.setPID(0)
			if ctx.Err() != nil {
				// It got the terminal's SIGINT too, and beat us to it.
				c.log.Info("node process stopped", "pid", cmd.Process.Pid, "status", cmd.ProcessState.String())
				return
			}
			c.log.Error("node process died", "pid", cmd.Process.Pid, "status", cmd.ProcessState.String(), "ran", time.Since(started).Round(time.Millisecond))
		}
		if !c.restart {
			c.log.Warn("node not restarted (--restart=false)")
			return
		}
		if time.Since(started) >= stableRun {
			delay = firstRestartDelay
		}
		c.log.Info("restarting node", "in", delay)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, lastRestartDelay)
	}
}

// stop sends the process SIGTERM and kills it if it has not exited after
// the grace period.
func (c *child) stop(cmd *exec.Cmd, exited <-chan struct{}) {
	pid := cmd.Process.Pid
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		c.log.Warn("cannot signal node", "pid", pid, "err", err)
	}
	t := time.NewTimer(c.grace)
	defer t.Stop()
	select {
	case <-exited:
		c.log.Info("node process stopped", "pid", pid, "status", cmd.ProcessState.String())
	case <-t.C:
		c.log.Warn("node did not stop in time; killing it", "pid", pid, "grace", c.grace)
		_ = cmd.Process.Kill()
		<-exited
	}
}
