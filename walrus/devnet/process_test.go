package devnet

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func shell(t *testing.T) string {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh:", err)
	}
	return sh
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func readPID(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("pid file %q: %v", data, err)
	}
	return pid
}

func TestProcessStopsWithSIGTERMAndRemovesPIDFile(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	p := &nodeProcess{exe: shell(t), args: []string{"-c", "exec sleep 60"}, pidFile: pidFile,
		restart: true, grace: 10 * time.Second, log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.supervise(ctx)
	}()
	waitFor(t, "the pid file", func() bool { return readPID(t, pidFile) != 0 })
	if got, want := readPID(t, pidFile), p.currentPID(); got != want {
		t.Errorf("pid file holds %d, process is %d", got, want)
	}
	start := time.Now()
	cancel()
	<-done
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stopping took %v: SIGTERM was not enough?", d)
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Errorf("pid file left after stop: %v", err)
	}
	if pid := p.currentPID(); pid != 0 {
		t.Errorf("currentPID = %d after stop", pid)
	}
}

func TestProcessKilledAfterGrace(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	p := &nodeProcess{exe: shell(t), args: []string{"-c", "trap '' TERM; echo > " + pidFile + ".ready; while :; do sleep 0.05; done"},
		pidFile: pidFile, grace: 200 * time.Millisecond, log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.supervise(ctx)
	}()
	waitFor(t, "the process to ignore SIGTERM", func() bool {
		_, err := os.Stat(pidFile + ".ready")
		return err == nil
	})
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a process that ignores SIGTERM was not killed")
	}
}

func TestProcessRestartsWhenItDies(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the first restart delay")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	p := &nodeProcess{exe: shell(t), args: []string{"-c", "exec sleep 60"}, pidFile: pidFile,
		restart: true, grace: 10 * time.Second, log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.supervise(ctx)
	}()
	waitFor(t, "the first run", func() bool { return p.currentPID() != 0 })
	first := p.currentPID()
	proc, err := os.FindProcess(first)
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Kill(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a restart", func() bool { pid := p.currentPID(); return pid != 0 && pid != first })
	// The pid file is written just after the process is recorded.
	waitFor(t, "the pid file to name the new process", func() bool { return readPID(t, pidFile) == p.currentPID() })
	cancel()
	<-done
}

func TestProcessNotRestarted(t *testing.T) {
	p := &nodeProcess{exe: shell(t), args: []string{"-c", "exit 3"}, pidFile: filepath.Join(t.TempDir(), "pid"),
		restart: false, grace: time.Second, log: slog.New(slog.DiscardHandler)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.supervise(context.Background())
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a process that died was restarted with restart off")
	}
}
