package devnet

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

// Restart delays of a node process that died: doubling from the first to
// the last, back to the first after a run of stableRun.
const (
	firstRestartDelay = time.Second
	lastRestartDelay  = 30 * time.Second
	stableRun         = time.Minute
)

// nodeProcess is a node process that the devnet runs, and restarts when it
// dies.
type nodeProcess struct {
	exe     string
	args    []string
	pidFile string // holds the process ID while the process runs
	restart bool
	grace   time.Duration // from SIGTERM to SIGKILL
	log     *slog.Logger

	mu  sync.Mutex
	pid int
}

// currentPID is the running process's ID, or 0.
func (p *nodeProcess) currentPID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pid
}

func (p *nodeProcess) setPID(pid int) {
	p.mu.Lock()
	p.pid = pid
	p.mu.Unlock()
	if pid == 0 {
		if err := os.Remove(p.pidFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			p.log.Warn("cannot remove pid file", "path", p.pidFile, "err", err)
		}
		return
	}
	if err := netconfig.WriteFileAtomic(p.pidFile, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		p.log.Warn("cannot write pid file", "path", p.pidFile, "err", err)
	}
}

// supervise runs the process until ctx ends, then stops it: SIGTERM, and
// SIGKILL after the grace period.
func (p *nodeProcess) supervise(ctx context.Context) {
	// The kernel sends a child its parent-death signal when the thread that
	// started it exits, so the starting thread stays this goroutine's.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	delay := firstRestartDelay
	for ctx.Err() == nil {
		cmd := exec.Command(p.exe, p.args...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		cmd.SysProcAttr = childSysProcAttr()
		started := time.Now()
		if err := cmd.Start(); err != nil {
			p.log.Error("cannot start node", "err", err)
		} else {
			p.setPID(cmd.Process.Pid)
			p.log.Info("node process started", "pid", cmd.Process.Pid)
			exited := make(chan struct{})
			go func() {
				_ = cmd.Wait()
				close(exited)
			}()
			select {
			case <-exited:
			case <-ctx.Done():
				p.stop(cmd, exited)
				p.setPID(0)
				return
			}
			p.setPID(0)
			if ctx.Err() != nil {
				// It got the terminal's SIGINT too, and beat us to it.
				p.log.Info("node process stopped", "pid", cmd.Process.Pid, "status", cmd.ProcessState.String())
				return
			}
			p.log.Error("node process died", "pid", cmd.Process.Pid, "status", cmd.ProcessState.String(), "ran", time.Since(started).Round(time.Millisecond))
		}
		if !p.restart {
			p.log.Warn("node not restarted (--restart=false)")
			return
		}
		if time.Since(started) >= stableRun {
			delay = firstRestartDelay
		}
		p.log.Info("restarting node", "in", delay)
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
func (p *nodeProcess) stop(cmd *exec.Cmd, exited <-chan struct{}) {
	pid := cmd.Process.Pid
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.log.Warn("cannot signal node", "pid", pid, "err", err)
	}
	t := time.NewTimer(p.grace)
	defer t.Stop()
	select {
	case <-exited:
		p.log.Info("node process stopped", "pid", pid, "status", cmd.ProcessState.String())
	case <-t.C:
		p.log.Warn("node did not stop in time; killing it", "pid", pid, "grace", p.grace)
		_ = cmd.Process.Kill()
		<-exited
	}
}
