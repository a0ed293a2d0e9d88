package ledger_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/ledger/ledgertest"
)

// rawResult is what a request that is not our client's got back.
type rawResult struct {
	status        int
	code, message string
}

// send sends req and decodes the error body, if any.
func send(t *testing.T, req *http.Request) rawResult {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error struct{ Code, Message string }
	}
	json.NewDecoder(resp.Body).Decode(&body)
	return rawResult{resp.StatusCode, body.Error.Code, body.Error.Message}
}

func newPost(t *testing.T, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func ownedStorage(t *testing.T, l *ledger.Ledger, a chain.Address) int {
	t.Helper()
	st, err := l.As(a).OwnedStorage(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	return len(st)
}

// TestTransactionsMustBeSigned: over HTTP a transaction happens only when
// the sender's key signed it, for this ledger, as it was sent, once. Before
// R7 the sender header alone was enough.
func TestTransactionsMustBeSigned(t *testing.T) {
	h := newHarness(t, "local")
	url := ledgertest.Serve(t, h.l)
	aliceKey, bobKey := accountKey(t, alice), accountKey(t, bob)
	victim := h.store(t, h.l.As(alice), 1000, "victim", 3, true)
	deletePath := "/v1/tx/delete-blob"
	deleteBody := `{"blob":"` + ledger.FormatObjectID(victim.ID) + `"}`
	const reservePath, reserveBody = "/v1/tx/reserve-storage", `{"size":1000,"epochs":1}`
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	const nonce = "00112233445566778899aabbccddeeff"

	// signedAs signs body for path claiming sender, with key over chainID.
	signedAs := func(sender chain.Address, key interface{ SignPersonalMessage([]byte) []byte }, chainID, path, body string) *http.Request {
		req := newPost(t, url+path, body)
		msg := ledger.RequestMessage(chainID, sender, http.MethodPost, path, mustInt(t, now), nonce, []byte(body))
		req.Header.Set(ledger.SenderHeader, ledger.FormatAddress(sender))
		req.Header.Set(ledger.SignatureHeader, base64.StdEncoding.EncodeToString(key.SignPersonalMessage(msg)))
		req.Header.Set(ledger.TimeHeader, now)
		req.Header.Set(ledger.NonceHeader, nonce)
		return req
	}
	for _, tc := range []struct {
		name string
		req  func() *http.Request
		want string // in the error message
	}{
		{"header, no signature", func() *http.Request {
			req := newPost(t, url+deletePath, deleteBody)
			req.Header.Set(ledger.SenderHeader, ledger.FormatAddress(alice))
			return req
		}, "must be signed"},
		{"another key than the sender's", func() *http.Request {
			return signedAs(alice, bobKey, h.l.ChainID(), deletePath, deleteBody)
		}, "not by the sender"},
		{"signature moved to another request", func() *http.Request {
			req := signedAs(alice, aliceKey, h.l.ChainID(), reservePath, reserveBody)
			moved := newPost(t, url+deletePath, deleteBody)
			moved.Header = req.Header
			return moved
		}, "does not verify"},
		{"signed for another ledger", func() *http.Request {
			return signedAs(alice, aliceKey, "another-chain", deletePath, deleteBody)
		}, "does not verify"},
		{"bad signature encoding", func() *http.Request {
			req := signedAs(alice, aliceKey, h.l.ChainID(), deletePath, deleteBody)
			req.Header.Set(ledger.SignatureHeader, "!!")
			return req
		}, ledger.SignatureHeader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := send(t, tc.req())
			if got.status != http.StatusUnauthorized || got.code != "Unauthenticated" || !strings.Contains(got.message, tc.want) {
				t.Fatalf("got %+v, want 401 Unauthenticated mentioning %q", got, tc.want)
			}
			if _, err := h.l.As(alice).Blob(testContext(t), victim.ID); err != nil {
				t.Fatalf("alice's blob after a refused delete: %v", err)
			}
		})
	}

	// A genuine request, captured on its way and sent again: the first
	// buys storage, the copy is refused and buys none.
	var captured *http.Request
	var capturedBody []byte
	c := ledger.Dial(url, aliceKey).WithHTTPClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodPost {
			capturedBody, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(capturedBody))
			captured = r.Clone(r.Context())
		}
		return http.DefaultTransport.RoundTrip(r)
	})})
	before := ownedStorage(t, h.l, alice)
	if _, err := c.ReserveStorage(testContext(t), 1000, 1); err != nil {
		t.Fatalf("signed reserve: %v", err)
	}
	if n := ownedStorage(t, h.l, alice); n != before+1 {
		t.Fatalf("alice owns %d storage objects after one reserve, want %d", n, before+1)
	}
	replay := newPost(t, url+reservePath, string(capturedBody))
	replay.Header = captured.Header.Clone()
	if got := send(t, replay); got.status != http.StatusUnauthorized || !strings.Contains(got.message, "replayed") {
		t.Fatalf("replayed request: %+v, want 401 replayed", got)
	}
	if n := ownedStorage(t, h.l, alice); n != before+1 {
		t.Fatalf("the replay bought storage: alice owns %d objects, want %d", n, before+1)
	}

	// The client signs each call anew, so calls repeat; bob signs as bob.
	if _, err := c.ReserveStorage(testContext(t), 1000, 1); err != nil {
		t.Fatalf("second signed reserve: %v", err)
	}
	if _, err := c.As(bobKey).DeleteBlob(testContext(t), victim.ID); !errors.Is(err, chain.ErrNotOwner) {
		t.Fatalf("bob deletes alice's blob: %v, want ErrNotOwner", err)
	}
	if _, err := ledger.Dial(url, nil).ReserveStorage(testContext(t), 1000, 1); !errors.Is(err, ledger.ErrUnauthenticated) {
		t.Fatalf("a client without a key: %v, want ErrUnauthenticated", err)
	}
}

// TestSignedRequestTime: a request signed too far from the server's clock,
// or before the server started (whose memory of requests starts empty), is
// refused.
func TestSignedRequestTime(t *testing.T) {
	h := newHarness(t, "local")
	for _, tc := range []struct {
		name string
		skew time.Duration // of the server's clock
		want string
	}{
		{"server ahead", ledger.RequestWindow + time.Minute, "from the server's clock"},
		{"server behind", -ledger.RequestWindow - time.Minute, "from the server's clock"},
		{"signed before the server started", time.Minute, "before the server started"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(ledger.NewHandler(h.l, ledger.HandlerOptions{Now: func() time.Time { return time.Now().Add(tc.skew) }}))
			defer srv.Close()
			_, err := ledger.Dial(srv.URL, accountKey(t, alice)).ReserveStorage(testContext(t), 1000, 1)
			var re *ledger.RemoteError
			if !errors.Is(err, ledger.ErrUnauthenticated) || !errors.As(err, &re) || re.StatusCode != http.StatusUnauthorized || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want 401 mentioning %q", err, tc.want)
			}
		})
	}
}

// TestAdminNeedsToken: admin endpoints answer only requests with the
// operator's token, over loopback (or TLS), and not at all on a server
// given no token. Before R7 anyone reaching the port could change the
// committee.
func TestAdminNeedsToken(t *testing.T) {
	h := newHarness(t, "local")
	url := ledgertest.Serve(t, h.l)
	epoch := h.epoch(t)
	for _, tc := range []struct {
		name, path, token string
		status            int
	}{
		{"advance, no token", "/v1/admin/advance-epoch", "", http.StatusUnauthorized},
		{"advance, wrong token", "/v1/admin/advance-epoch", "not-" + ledgertest.AdminToken, http.StatusUnauthorized},
		{"stake, no token", "/v1/admin/stake", "", http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := `{}`
			if strings.HasSuffix(tc.path, "stake") {
				com, err := h.l.As(alice).Committee(testContext(t))
				if err != nil {
					t.Fatal(err)
				}
				body = `{"node":"` + ledger.FormatObjectID(com.Members[0].ID) + `","stake":0}`
			}
			req := newPost(t, url+tc.path, body)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			if got := send(t, req); got.status != tc.status || got.code != "Unauthenticated" {
				t.Fatalf("got %+v, want %d Unauthenticated", got, tc.status)
			}
		})
	}
	if got := h.epoch(t); got != epoch {
		t.Fatalf("epoch %d after refused admin requests, want %d", got, epoch)
	}
	if _, err := ledger.Dial(url, nil).AdvanceEpoch(testContext(t), nil); !errors.Is(err, ledger.ErrUnauthenticated) {
		t.Fatalf("client without a token: %v", err)
	}
	com, err := ledger.Dial(url, nil).WithAdminToken(ledgertest.AdminToken).AdvanceEpoch(testContext(t), nil)
	if err != nil || com.Epoch != epoch+1 {
		t.Fatalf("advance with the token: epoch %d, %v; want %d", com.Epoch, err, epoch+1)
	}

	// The token does not cross the network in the clear: a plain-HTTP admin
	// request from another host is refused even with it.
	hd := ledger.NewHandler(h.l, ledger.HandlerOptions{AdminToken: ledgertest.AdminToken})
	req := httptest.NewRequest(http.MethodPost, "/v1/admin/advance-epoch", strings.NewReader(`{}`))
	req.RemoteAddr = "192.0.2.7:40000"
	req.Header.Set("Authorization", "Bearer "+ledgertest.AdminToken)
	rec := httptest.NewRecorder()
	hd.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "loopback") {
		t.Fatalf("admin from another host: HTTP %d %s", rec.Code, rec.Body)
	}

	// A server without a token serves no admin endpoint.
	srv := httptest.NewServer(ledger.NewHandler(h.l, ledger.HandlerOptions{}))
	defer srv.Close()
	_, err = ledger.Dial(srv.URL, nil).WithAdminToken(ledgertest.AdminToken).AdvanceEpoch(testContext(t), nil)
	if !errors.Is(err, ledger.ErrForbidden) {
		t.Fatalf("admin on a server without a token: %v, want ErrForbidden", err)
	}
	if got := h.epoch(t); got != epoch+1 {
		t.Fatalf("epoch %d after refused admin requests, want %d", got, epoch+1)
	}
}

// TestAdminTokenFile: the token file is the operator's alone; a token file
// others may read is refused, and another user cannot read a good one.
func TestAdminTokenFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ledger.AdminTokenFile)
	tok, err := ledger.NewAdminToken(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, mode %v; want 0600", err, info.Mode().Perm())
	}
	if got, err := ledger.ReadAdminToken(path); err != nil || got != tok {
		t.Fatalf("read back %q, %v; want %q", got, err, tok)
	}
	again, err := ledger.NewAdminToken(path)
	if err != nil || again == tok {
		t.Fatalf("second token %q, %v: want a new one", again, err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.ReadAdminToken(path); err == nil || !strings.Contains(err.Error(), "others can read it") {
		t.Fatalf("token readable by others: %v", err)
	}
}

// TestAdminTokenUnreadableByOthers reads the token file as another user
// (nobody), from a directory that user may enter: it is refused.
func TestAdminTokenUnreadableByOthers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a process as another user")
	}
	dir, err := os.MkdirTemp("", "ledger-token-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ledger.AdminTokenFile)
	if _, err := ledger.NewAdminToken(path); err != nil {
		t.Fatal(err)
	}
	cat := func(uid uint32) ([]byte, error) {
		cmd := exec.CommandContext(testContext(t), "cat", path)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
		return cmd.CombinedOutput()
	}
	// The same command as root reads it: what fails below is the mode.
	if out, err := cat(0); err != nil || len(bytes.TrimSpace(out)) != 64 {
		t.Fatalf("cat as root: %q, %v", out, err)
	}
	out, err := cat(65534)
	if err == nil || !strings.Contains(string(out), "Permission denied") {
		t.Fatalf("cat as nobody: %q, %v; want permission denied", out, err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
