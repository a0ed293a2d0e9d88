package ledger

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
)

// Headers of a signed transaction request (see NewHandler).
const (
	// SenderHeader carries the sender's address; the signature must be by
	// the key this address derives from.
	SenderHeader = "Walrusfs-Sender"
	// SignatureHeader carries the Sui serialized signature (flag ‖
	// signature ‖ public key, base64) of the request's canonical bytes,
	// signed as a Sui personal message.
	SignatureHeader = "Walrusfs-Signature"
	// TimeHeader carries when the request was signed, in Unix milliseconds.
	TimeHeader = "Walrusfs-Time"
	// NonceHeader carries a random value (hex) that makes each signed
	// request unique.
	NonceHeader = "Walrusfs-Nonce"

	// RequestWindow bounds how far a signed request's time may be from the
	// server's clock, either way; requests are remembered that long so that
	// none is accepted twice.
	RequestWindow = 2 * time.Minute

	// AdminTokenFile is the name of the admin token file that the devnet
	// keeps in its ledger's directory (see NewAdminToken).
	AdminTokenFile = "admin-token"

	nonceBytes = 16
	tokenBytes = 32
)

// requestMessage returns the canonical bytes a client signs for a request:
// everything the server acts on (chain, sender, method, path with query,
// body) and what makes it unique (time, nonce). The chain ID keeps a
// request to one ledger from being replayed to another.
func requestMessage(chainID string, sender chain.Address, method, uri string, signedAt int64, nonce string, body []byte) []byte {
	sum := blake2b.Sum256(body)
	return fmt.Appendf(nil, "walrusfs ledger request v1\nchain %s\nsender %s\n%s %s\ntime %d\nnonce %s\nbody %x\n",
		chainID, FormatAddress(sender), method, uri, signedAt, nonce, sum)
}

// SignRequest signs req, whose body is body, as a transaction of key's
// account on the ledger of chainID (GET /v1/chain): it sets SenderHeader,
// SignatureHeader, TimeHeader and NonceHeader. Client signs every
// transaction so; this is for other clients.
func SignRequest(req *http.Request, key *suikey.KeyPair, chainID string, body []byte) error {
	return signRequest(req, key, chainID, body, time.Now())
}

func signRequest(req *http.Request, key *suikey.KeyPair, chainID string, body []byte, now time.Time) error {
	var n [nonceBytes]byte
	if _, err := rand.Read(n[:]); err != nil {
		return fmt.Errorf("nonce: %w", err)
	}
	nonce := hex.EncodeToString(n[:])
	sender := chain.Address(key.Address())
	at := now.UnixMilli()
	sig := key.SignPersonalMessage(requestMessage(chainID, sender, req.Method, req.URL.RequestURI(), at, nonce, body))
	req.Header.Set(SenderHeader, FormatAddress(sender))
	req.Header.Set(SignatureHeader, base64.StdEncoding.EncodeToString(sig))
	req.Header.Set(TimeHeader, strconv.FormatInt(at, 10))
	req.Header.Set(NonceHeader, nonce)
	return nil
}

// authenticate checks a transaction request's signature over body and
// returns its sender: the address of the key that signed, which must be
// the one the sender header claims. Each signed request is accepted once.
func (h *handler) authenticate(r *http.Request, body []byte) (chain.Address, error) {
	raw := r.Header.Get(SenderHeader)
	if raw == "" {
		return chain.Address{}, fmt.Errorf("%w: missing %s header", ErrUnauthenticated, SenderHeader)
	}
	claimed, err := ParseAddress(raw)
	if err != nil {
		return chain.Address{}, fmt.Errorf("%w: %s: %w", ErrUnauthenticated, SenderHeader, err)
	}
	sigText, atText, nonce := r.Header.Get(SignatureHeader), r.Header.Get(TimeHeader), r.Header.Get(NonceHeader)
	if sigText == "" || atText == "" || nonce == "" {
		return chain.Address{}, fmt.Errorf("%w: transactions must be signed by the sender's key (headers %s, %s and %s)",
			ErrUnauthenticated, SignatureHeader, TimeHeader, NonceHeader)
	}
	sig, err := base64.StdEncoding.DecodeString(sigText)
	if err != nil {
		return chain.Address{}, fmt.Errorf("%w: %s: %w", ErrUnauthenticated, SignatureHeader, err)
	}
	at, err := strconv.ParseInt(atText, 10, 64)
	if err != nil {
		return chain.Address{}, fmt.Errorf("%w: %s: %w", ErrUnauthenticated, TimeHeader, err)
	}
	if n, err := hex.DecodeString(nonce); err != nil || len(n) != nonceBytes {
		return chain.Address{}, fmt.Errorf("%w: %s: want %d hex-encoded bytes", ErrUnauthenticated, NonceHeader, nonceBytes)
	}
	msg := requestMessage(h.l.ChainID(), claimed, r.Method, r.URL.RequestURI(), at, nonce, body)
	signer, err := suikey.VerifyPersonalMessage(msg, sig)
	if err != nil {
		return chain.Address{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	if chain.Address(signer) != claimed {
		return chain.Address{}, fmt.Errorf("%w: signed by %s's key, not by the sender %s's", ErrUnauthenticated, FormatAddress(signer), raw)
	}
	if err := h.seen.admit(blake2b.Sum256(msg), at, h.now()); err != nil {
		return chain.Address{}, err
	}
	return claimed, nil
}

// replayGuard remembers the signed requests of the last RequestWindow. It
// lives in memory; requests signed before it started are refused, so that
// restarting the server does not make old requests acceptable again.
type replayGuard struct {
	mu        sync.Mutex
	start     int64              // Unix ms
	seen      map[[32]byte]int64 // message digest → when it may be forgotten
	nextSweep int
}

func newReplayGuard(now time.Time) *replayGuard {
	return &replayGuard{start: now.UnixMilli(), seen: map[[32]byte]int64{}, nextSweep: 1024}
}

// admit accepts a request signed at at (Unix ms) once, if its time is
// within the window around now.
func (g *replayGuard) admit(digest [32]byte, at int64, now time.Time) error {
	ms, window := now.UnixMilli(), RequestWindow.Milliseconds()
	if at < ms-window || at > ms+window {
		return fmt.Errorf("%w: request signed at %s, more than %v from the server's clock (%s)",
			ErrUnauthenticated, time.UnixMilli(at).UTC().Format(time.RFC3339Nano), RequestWindow, now.UTC().Format(time.RFC3339Nano))
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if at < g.start {
		return fmt.Errorf("%w: request signed before the server started; sign it again", ErrUnauthenticated)
	}
	if _, ok := g.seen[digest]; ok {
		return fmt.Errorf("%w: request replayed: this signed request was already received", ErrUnauthenticated)
	}
	if len(g.seen) >= g.nextSweep {
		for d, until := range g.seen {
			if until < ms {
				delete(g.seen, d)
			}
		}
		g.nextSweep = max(1024, 2*len(g.seen))
	}
	g.seen[digest] = at + window
	return nil
}

// checkAdmin lets through only requests bearing the operator's token.
// Bearer tokens are plain text, so on plain HTTP they are accepted only
// from loopback, where no other host can read them.
func (h *handler) checkAdmin(r *http.Request) error {
	if h.adminToken == "" {
		return fmt.Errorf("%w: this server has no admin token, so it serves no admin endpoint", ErrForbidden)
	}
	if r.TLS == nil && !loopbackPeer(r.RemoteAddr) {
		return fmt.Errorf("%w: admin requests over plain HTTP are accepted only from loopback, not from %s", ErrForbidden, r.RemoteAddr)
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return fmt.Errorf("%w: admin endpoints need the operator's token (Authorization: Bearer, from the ledger's %s file)", ErrUnauthenticated, AdminTokenFile)
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(h.adminToken)) != 1 {
		return fmt.Errorf("%w: wrong admin token", ErrUnauthenticated)
	}
	return nil
}

func loopbackPeer(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewAdminToken writes a new random admin token to path, readable by its
// owner only, replacing any older one, and returns it. The file is written
// whole or not at all.
func NewAdminToken(path string) (string, error) {
	var b [tokenBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	tok := hex.EncodeToString(b[:])
	// CreateTemp makes the file 0600 from the start: no moment when others
	// may open it.
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	defer os.Remove(f.Name()) // fails harmlessly once renamed
	_, err = f.WriteString(tok + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return "", fmt.Errorf("admin token %s: %w", path, err)
	}
	return tok, nil
}

// ReadAdminToken reads the admin token NewAdminToken wrote. It refuses a
// file that others may read: such a token no longer tells the operator
// apart.
func ReadAdminToken(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("admin token %s has mode %v: others can read it; it must be 0600", path, info.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, 256))
	if err != nil {
		return "", fmt.Errorf("admin token %s: %w", path, err)
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) != 2*tokenBytes {
		return "", fmt.Errorf("admin token %s: want %d hex digits", path, 2*tokenBytes)
	}
	return tok, nil
}
