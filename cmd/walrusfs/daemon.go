package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// A mount with --daemon starts itself again without it, detached (a
// session of its own, no terminal), and returns once the child says the
// file system is mounted, or with the child's error. The child tells
// through a pipe named by readyFDEnv; its logs go to --log-file, else to
// STATE/mount.log.

const readyFDEnv = "WALRUSFS_READY_FD"

// daemonize runs the mount in the background; args are the command line
// to run again (without --daemon).
func daemonize(args []string, logPath string, w io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("--daemon: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(logPath), 0o700); err != nil {
		return fmt.Errorf("--daemon: %w", err)
	}
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("--daemon: %w", err)
	}
	defer logFile.Close()
	start, _ := logFile.Seek(0, io.SeekEnd)
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("--daemon: %w", err)
	}
	defer readyR.Close()
	cmd := exec.Command(exe, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, logFile, logFile
	cmd.ExtraFiles = []*os.File{readyW} // fd 3
	cmd.Env = append(os.Environ(), readyFDEnv+"=3")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		readyW.Close()
		return fmt.Errorf("--daemon: %w", err)
	}
	readyW.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(readyR).ReadString('\n')
		ready <- strings.TrimSpace(line) == "ready"
	}()
	select {
	case ok := <-ready:
		if ok {
			fmt.Fprintf(w, "walrusfs: mounted in the background (pid %d); logs in %s\n", cmd.Process.Pid, logPath)
			return nil
		}
		<-exited // closed without a word: the child is failing
	case <-exited:
	}
	time.Sleep(50 * time.Millisecond)
	return fmt.Errorf("the background mount failed:\n%s", logSince(logPath, start))
}

// logSince returns what a log file got from offset on, its last lines.
func logSince(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return err.Error()
	}
	b, _ := io.ReadAll(io.LimitReader(f, 64<<10))
	return strings.TrimSpace(string(b))
}

// tellReady tells a waiting parent (see daemonize) that the mount is up.
func tellReady() error {
	if os.Getenv(readyFDEnv) != "3" {
		return nil
	}
	os.Unsetenv(readyFDEnv)
	f := os.NewFile(3, "ready")
	if f == nil {
		return errors.New("--daemon: no readiness pipe")
	}
	defer f.Close()
	_, err := f.WriteString("ready\n")
	return err
}

// withoutDaemonFlag returns a command line with --daemon removed.
func withoutDaemonFlag(args []string) []string {
	var out []string
	for _, a := range args {
		if a == "--daemon" || a == "--daemon=true" {
			continue
		}
		out = append(out, a)
	}
	return out
}

// mountHelperArgs translates the command line of mount(8)'s helper into
// walrusfs's: installed (or linked) as /sbin/mount.fuse.walrusfs, mount -t
// fuse.walrusfs and fstab lines run it as "mount.fuse.walrusfs SOURCE DIR
// [-o OPTIONS]" and expect it to return once mounted. SOURCE names the file
// system (--name), unless it is "walrusfs" or "none".
func mountHelperArgs(argv0 string, args []string) []string {
	base := filepath.Base(argv0)
	if base != "mount.fuse.walrusfs" && base != "mount.walrusfs" {
		return args
	}
	out := []string{"mount", "--daemon"}
	var positional []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-o" && i+1 < len(args):
			out = append(out, "-o", args[i+1])
			i++
		case strings.HasPrefix(a, "-o"):
			out = append(out, "-o", strings.TrimPrefix(a, "-o"))
		case a == "-n" || a == "-f" || a == "-s" || a == "-v":
			// mount(8)'s: no mtab, fake, sloppy, verbose.
		default:
			positional = append(positional, a)
		}
	}
	if len(positional) == 2 {
		if src := positional[0]; src != "walrusfs" && src != "none" {
			out = append(out, "--name", src)
		}
		positional = positional[1:]
	}
	return append(out, positional...)
}
