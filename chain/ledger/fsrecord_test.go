package ledger_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/ledger/ledgertest"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// manifest stores and certifies a made-up blob for epochs epochs and returns
// its blob ID.
func (h *harness) manifest(t *testing.T, c chain.Chain, seed string, epochs uint32, deletable bool) encoding.BlobID {
	t.Helper()
	return h.certify(t, c, h.store(t, c, 2000, seed, epochs, deletable)).BlobID
}

// publish publishes and fails the test on error.
func publish(t *testing.T, c chain.Chain, name string, manifest encoding.BlobID, prev uint64) chain.FsRecord {
	t.Helper()
	rec, err := c.PublishManifest(testContext(t), name, manifest, prev)
	if err != nil {
		t.Fatalf("publish %q at version %d: %v", name, prev, err)
	}
	return rec
}

// fsRecord reads a record and fails the test on error.
func fsRecord(t *testing.T, c chain.Chain, owner chain.Address, name string) chain.FsRecord {
	t.Helper()
	rec, err := c.FsRecord(testContext(t), owner, name)
	if err != nil {
		t.Fatalf("record %q: %v", name, err)
	}
	return rec
}

func publishTx(c chain.Chain, name string, manifest encoding.BlobID, prev uint64) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := c.PublishManifest(ctx, name, manifest, prev)
		return err
	}
}

func TestPublishManifest(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		a := h.as(alice)
		m1 := h.manifest(t, a, "manifest 1", 5, false)
		m2 := h.manifest(t, a, "manifest 2", 5, true)

		if _, err := a.FsRecord(testContext(t), alice, "home"); !errors.Is(err, chain.ErrNotFound) {
			t.Fatalf("record before publishing: %v", err)
		}
		before := h.l.NextCursor()
		v1 := publish(t, a, "home", m1, 0)
		if v1.ID == (chain.ObjectID{}) || v1.Owner != alice || v1.Name != "home" || v1.Manifest != m1 || v1.Version != 1 || v1.UpdatedEpoch != 0 {
			t.Fatalf("created %+v", v1)
		}
		if got := fsRecord(t, a, alice, "home"); got != v1 {
			t.Fatalf("read %+v, want %+v", got, v1)
		}
		if after := h.l.NextCursor(); after != before {
			t.Fatalf("creating emitted %d events", after-before)
		}

		h.advance(t, 1)
		before = h.l.NextCursor()
		v2 := publish(t, a, "home", m2, 1)
		want := chain.FsRecord{ID: v1.ID, Owner: alice, Name: "home", Manifest: m2, Version: 2, UpdatedEpoch: 1}
		if v2 != want {
			t.Fatalf("updated %+v, want %+v", v2, want)
		}
		if got := fsRecord(t, h.as(bob), alice, "home"); got != want {
			t.Fatalf("read by Bob %+v, want %+v", got, want)
		}
		if after := h.l.NextCursor(); after != before {
			t.Fatalf("publishing emitted %d events", after-before)
		}
		// Publishing the same manifest again is an update like any other.
		if v3 := publish(t, a, "home", m2, 2); v3.Version != 3 || v3.Manifest != m2 {
			t.Fatalf("republished %+v", v3)
		}
	})
}

func TestPublishConflict(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		a := h.as(alice)
		m1 := h.manifest(t, a, "manifest 1", 5, false)
		m2 := h.manifest(t, a, "manifest 2", 5, false)
		v1 := publish(t, a, "home", m1, 0)

		h.rejects(t, chain.ErrConflict, "creating a record that exists", publishTx(a, "home", m2, 0))
		h.rejects(t, chain.ErrConflict, "a version ahead", publishTx(a, "home", m2, 2))
		h.rejects(t, chain.ErrConflict, "updating a record that does not exist", publishTx(a, "work", m2, 1))
		if got := fsRecord(t, a, alice, "home"); got != v1 {
			t.Fatalf("after conflicts %+v, want %+v", got, v1)
		}
		if _, err := a.FsRecord(testContext(t), alice, "work"); !errors.Is(err, chain.ErrNotFound) {
			t.Fatalf("record of a refused update: %v", err)
		}

		v2 := publish(t, a, "home", m2, 1)
		h.rejects(t, chain.ErrConflict, "a stale version", publishTx(a, "home", m1, 1))
		if got := fsRecord(t, a, alice, "home"); got != v2 {
			t.Fatalf("after a stale update %+v, want %+v", got, v2)
		}
	})
}

// TestPublishRace: of writers that read the same version, one wins.
func TestPublishRace(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		a := h.as(alice)
		m := h.manifest(t, a, "race", 5, false)
		publish(t, a, "home", m, 0)
		const writers = 8
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			won, lost int
		)
		for range writers {
			wg.Go(func() {
				_, err := a.PublishManifest(testContext(t), "home", m, 1)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case errors.Is(err, chain.ErrConflict):
					lost++
				default:
					t.Errorf("racing writer: %v", err)
				}
			})
		}
		wg.Wait()
		if won != 1 || lost != writers-1 {
			t.Fatalf("%d writers won, %d lost", won, lost)
		}
		if got := fsRecord(t, a, alice, "home"); got.Version != 2 {
			t.Fatalf("after the race %+v", got)
		}
	})
}

func TestPublishManifestRules(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		ctx := testContext(t)
		a := h.as(alice)
		good := h.manifest(t, a, "good", 5, false)

		for _, name := range []string{"", strings.Repeat("x", ledger.MaxFsNameBytes+1), "bad \xff utf-8"} {
			h.rejects(t, chain.ErrInvalidArgument, "name "+url.QueryEscape(name), publishTx(a, name, good, 0))
			if _, err := a.FsRecord(ctx, alice, name); !errors.Is(err, chain.ErrInvalidArgument) {
				t.Errorf("reading name %q: %v", name, err)
			}
		}
		// Names the HTTP path could mangle travel intact; the longest fits.
		for _, name := range []string{strings.Repeat("é", ledger.MaxFsNameBytes/2), "..", "a/b/../c", "?x=1&y#z %2F", " "} {
			rec := publish(t, a, name, good, 0)
			if got := fsRecord(t, a, alice, name); got != rec || got.Name != name {
				t.Errorf("name %q: read %+v, want %+v", name, got, rec)
			}
		}

		unknown, _ := ledgertest.Blob(2000, "never registered")
		registered := h.store(t, a, 2000, "registered", 5, false)
		expiring := h.manifest(t, a, "expiring", 1, true)
		deleted := h.certify(t, a, h.store(t, a, 2000, "deleted", 5, true))
		invalid := h.manifest(t, a, "invalid", 5, false)
		v1 := publish(t, a, "home", good, 0)

		h.rejects(t, chain.ErrInvalidArgument, "unknown blob ID", publishTx(a, "home", unknown, 1))
		h.rejects(t, chain.ErrInvalidArgument, "registered, uncertified", publishTx(a, "home", registered.BlobID, 1))
		h.rejects(t, chain.ErrInvalidArgument, "uncertified, new record", publishTx(a, "new", registered.BlobID, 0))
		if _, err := a.DeleteBlob(ctx, deleted.ID); err != nil {
			t.Fatal(err)
		}
		h.rejects(t, chain.ErrInvalidArgument, "certified, then deleted", publishTx(a, "home", deleted.BlobID, 1))
		if err := h.as(bob).InvalidateBlobID(ctx, h.com.Sign(t, []int{0, 2}, messages.InvalidBlobID{BlobID: invalid}.Marshal())); err != nil {
			t.Fatal(err)
		}
		h.rejects(t, chain.ErrInvalidArgument, "certified, then invalidated", publishTx(a, "home", invalid, 1))

		// Expiring is good in epoch 0, its last.
		v2 := publish(t, a, "home", expiring, 1)
		h.advance(t, 1)
		h.rejects(t, chain.ErrInvalidArgument, "expired", publishTx(a, "home", expiring, 2))
		if got := fsRecord(t, a, alice, "home"); got != v2 || v2.Version != v1.Version+1 {
			t.Fatalf("after refused manifests %+v, want %+v", got, v2)
		}

		// The registered blob, once certified, is accepted.
		h.certify(t, a, registered)
		if rec := publish(t, a, "home", registered.BlobID, 2); rec.Version != 3 || rec.UpdatedEpoch != 1 {
			t.Fatalf("after certifying %+v", rec)
		}
	})
}

// TestFsRecordsPerOwner: names are per owner, and a manifest may be any
// account's certified blob.
func TestFsRecordsPerOwner(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		a, b := h.as(alice), h.as(bob)
		m := h.manifest(t, a, "shared", 5, false)
		ra := publish(t, a, "home", m, 0)
		if _, err := b.FsRecord(testContext(t), bob, "home"); !errors.Is(err, chain.ErrNotFound) {
			t.Fatalf("Bob's record before he publishes: %v", err)
		}
		rb := publish(t, b, "home", m, 0)
		if rb.Owner != bob || rb.Version != 1 || rb.ID == ra.ID {
			t.Fatalf("Bob's %+v, Alice's %+v", rb, ra)
		}
		rb2 := publish(t, b, "home", m, 1)
		if got := fsRecord(t, b, alice, "home"); got != ra {
			t.Fatalf("Alice's after Bob's update %+v, want %+v", got, ra)
		}
		if got := fsRecord(t, a, bob, "home"); got != rb2 {
			t.Fatalf("Bob's read by Alice %+v, want %+v", got, rb2)
		}
		// Bob's version 2 is not Alice's.
		h.rejects(t, chain.ErrConflict, "Alice at Bob's version", publishTx(a, "home", m, 2))
	})
}

// TestFsRecordRestart: records come back from the log, the ones whose
// manifest has expired since included, and updates go on from their
// versions.
func TestFsRecordRestart(t *testing.T) {
	h := newHarness(t, "local")
	a, b := h.as(alice), h.as(bob)
	short := h.manifest(t, a, "short", 1, false)
	long := h.manifest(t, b, "long", 5, true)
	publish(t, a, "home", h.manifest(t, a, "first", 5, false), 0)
	home := publish(t, a, "home", short, 1)
	work := publish(t, b, "home", long, 0)
	h.advance(t, 2) // short has expired: replay must judge it as of its record
	before := takeSnapshot(t, h.l)
	if err := h.l.Close(); err != nil {
		t.Fatal(err)
	}

	l, err := ledger.Open(h.dir, ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	before.mustEqual(t, takeSnapshot(t, l))
	if got := fsRecord(t, l.As(bob), alice, "home"); got != home {
		t.Fatalf("Alice's after restart %+v, want %+v", got, home)
	}
	if got := fsRecord(t, l.As(alice), bob, "home"); got != work {
		t.Fatalf("Bob's after restart %+v, want %+v", got, work)
	}
	if _, err := l.As(alice).PublishManifest(testContext(t), "home", long, 1); !errors.Is(err, chain.ErrConflict) {
		t.Fatalf("stale version after restart: %v", err)
	}
	next := publish(t, l.As(alice), "home", long, 2)
	if next.ID != home.ID || next.Version != 3 || next.UpdatedEpoch != 2 {
		t.Fatalf("update after restart %+v", next)
	}
}

// TestFsRecordHTTP checks the wire: codes and statuses of the new errors,
// and the client's errors.Is and errors.As.
func TestFsRecordHTTP(t *testing.T) {
	h := newHarness(t, "local")
	srv := httptest.NewServer(ledger.NewHandler(h.l, ledger.HandlerOptions{}))
	defer srv.Close()
	c := ledger.Dial(srv.URL, accountKey(t, alice))
	m := h.manifest(t, c, "wire", 5, false)
	publish(t, c, "home", m, 0)

	var re *ledger.RemoteError
	_, err := c.PublishManifest(testContext(t), "home", m, 0)
	if !errors.Is(err, chain.ErrConflict) || !errors.As(err, &re) || re.Code != "Conflict" || re.StatusCode != http.StatusConflict {
		t.Fatalf("conflict: %v (%#v)", err, re)
	}
	_, err = c.FsRecord(testContext(t), bob, "home")
	if !errors.Is(err, chain.ErrNotFound) || !errors.As(err, &re) || re.Code != "NotFound" || re.StatusCode != http.StatusNotFound {
		t.Fatalf("missing record: %v (%#v)", err, re)
	}
	_, err = c.PublishManifest(testContext(t), "other", encoding.BlobID{1}, 0)
	if !errors.Is(err, chain.ErrInvalidArgument) || !errors.As(err, &re) || re.Code != "InvalidArgument" {
		t.Fatalf("uncertified manifest: %v (%#v)", err, re)
	}

	const publishPath = "/v1/tx/publish-manifest"
	for _, tc := range []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"found", "/v1/fs-records/" + ledger.FormatAddress(alice) + "?name=home", "", 200, ""},
		{"none", "/v1/fs-records/" + ledger.FormatAddress(bob) + "?name=home", "", 404, "NotFound"},
		{"no name", "/v1/fs-records/" + ledger.FormatAddress(alice), "", 400, "InvalidArgument"},
		{"bad owner", "/v1/fs-records/0x12?name=home", "", 400, "InvalidArgument"},
		{"bad UTF-8", "/v1/fs-records/" + ledger.FormatAddress(alice) + "?name=%FF", "", 400, "InvalidArgument"},
		{"publish conflict", publishPath, `{"name":"home","manifest":"` + m.String() + `","prevVersion":5}`, 409, "Conflict"},
		{"publish empty name", publishPath, `{"name":"","manifest":"` + m.String() + `","prevVersion":1}`, 400, "InvalidArgument"},
		{"publish long name", publishPath, `{"name":"` + strings.Repeat("y", 129) + `","manifest":"` + m.String() + `"}`, 400, "InvalidArgument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method, reqBody := http.MethodGet, io.Reader(nil)
			if tc.body != "" {
				method, reqBody = http.MethodPost, strings.NewReader(tc.body)
			}
			req, err := http.NewRequestWithContext(testContext(t), method, srv.URL+tc.path, reqBody)
			if err != nil {
				t.Fatal(err)
			}
			if method == http.MethodPost {
				if err := ledger.SignRequest(req, accountKey(t, alice), h.l.ChainID(), []byte(tc.body)); err != nil {
					t.Fatal(err)
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error struct{ Code string }
				chain.FsRecord
			}
			json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tc.status || body.Error.Code != tc.code {
				t.Fatalf("HTTP %d %+v, want %d %s", resp.StatusCode, body, tc.status, tc.code)
			}
			if tc.status == 200 && (body.Owner != alice || body.Manifest != m || body.Version != 1) {
				t.Fatalf("record %+v", body.FsRecord)
			}
		})
	}
}
