package mountstatus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// SocketName is the name of a mount's status socket in its state
// directory (mode 0700, so only its user reaches it).
const SocketName = "status.sock"

// Serve serves src's status as JSON (GET /status) on a unix socket in the
// mount's state directory. It replaces a socket left by a killed mount:
// the caller holds the state directory's lock. stop closes the server and
// removes the socket.
func Serve(ctx context.Context, src *Source, log *slog.Logger) (stop func(), err error) {
	path := filepath.Join(src.cfg.StateDir, SocketName)
	_ = os.Remove(path) // left by a killed mount; the state lock is ours
	lis, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("status socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		lis.Close()
		return nil, fmt.Errorf("status socket: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(src.Status(r.Context()))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("status socket stopped", "err", err)
		}
	}()
	return func() {
		_ = srv.Close()
		_ = os.Remove(path)
	}, nil
}

// Collect asks every mount with a socket under stateDir/fs for its
// status, in the sockets' order. Sockets no mount answers on (left by
// mounts that are gone) are skipped; an answer that does not decode is an
// error.
func Collect(ctx context.Context, stateDir string) ([]Status, error) {
	socks, _ := filepath.Glob(filepath.Join(stateDir, "fs", "*", "*", SocketName))
	sort.Strings(socks)
	all := []Status{}
	for _, sock := range socks {
		hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", sock)
			}}}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://mount/status", nil)
		resp, err := hc.Do(req)
		if err != nil {
			hc.CloseIdleConnections()
			continue // a socket left by a mount that is gone
		}
		var st Status
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		hc.CloseIdleConnections() // --watch makes a client each round
		if err != nil {
			return nil, fmt.Errorf("status from %s: %w", sock, err)
		}
		all = append(all, st)
	}
	return all, nil
}
