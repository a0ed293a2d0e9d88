package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// globals are the flags every command takes.
type globals struct {
	logFormat string
	logLevel  string
	verbose   int
	logFile   string
}

func (g *globals) addFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&g.logFormat, "log-format", "text", `format of the logs on standard error: "text" or "json"`)
	f.StringVar(&g.logLevel, "log-level", "", `least level logged: "debug", "info", "warn" or "error" (default "info" for devnet, node and serve, "warn" otherwise; "info" shows each upload and manifest)`)
	f.CountVarP(&g.verbose, "verbose", "v", `log more: -v at info level, -vv at debug level (--log-level wins)`)
	f.StringVar(&g.logFile, "log-file", "", "append the logs to this file (made 0600) instead of standard error")
}

// logger returns the command's logger, writing to w at level def unless
// --log-level says otherwise.
func (g *globals) logger(w io.Writer, def slog.Level) (*slog.Logger, error) {
	level := def
	switch {
	case g.verbose == 1:
		level = min(level, slog.LevelInfo)
	case g.verbose > 1:
		level = slog.LevelDebug
	}
	if g.logFile != "" {
		f, err := os.OpenFile(g.logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, usageError{fmt.Errorf("--log-file: %w", err)}
		}
		w = f // open for the process's life
	}
	if g.logLevel != "" {
		if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
			return nil, usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", g.logLevel)}
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(g.logFormat) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageError{fmt.Errorf("--log-format %q: want text or json", g.logFormat)}
}

// childLogFlags returns the logging flags to pass on to a child process.
func (g *globals) childLogFlags() []string {
	out := []string{"--log-format", strings.ToLower(g.logFormat)}
	if g.logLevel != "" {
		out = append(out, "--log-level", g.logLevel)
	}
	for range min(g.verbose, 2) {
		out = append(out, "-v")
	}
	return out
}
