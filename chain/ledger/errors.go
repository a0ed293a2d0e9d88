package ledger

import "errors"

// Errors of the ledger itself, besides the chain.Err* rule violations.
var (
	// ErrNoLedger means Open found no ledger in the directory; Create makes one.
	ErrNoLedger = errors.New("no ledger in directory")
	// ErrExists means Create found a ledger already in the directory.
	ErrExists = errors.New("ledger already exists")
	// ErrLocked means another process (or another Ledger in this one) has
	// the ledger open.
	ErrLocked = errors.New("ledger is locked by another user")
	// ErrCorrupt means the log holds bytes that are neither valid records nor
	// a torn last record: damage that dropping the tail cannot repair. Open
	// refuses such a log rather than lose acknowledged transactions.
	ErrCorrupt = errors.New("ledger log is corrupt")
	// ErrClosed means the ledger was closed.
	ErrClosed = errors.New("ledger is closed")
	// ErrFailed means an earlier write or fsync of the log failed, so the
	// ledger no longer knows what is on disk; it accepts no transaction until
	// it is reopened, which replays what the disk really holds.
	ErrFailed = errors.New("ledger failed")
	// ErrUnauthenticated means the HTTP API refused a request that does not
	// prove who sent it: a transaction not signed by its sender's key, signed
	// too long ago, or received before (a replay), or an admin request
	// without the operator's token.
	ErrUnauthenticated = errors.New("request not authenticated")
	// ErrForbidden means the HTTP API serves no admin endpoint to this
	// request: the server has no admin token, or the request came over
	// plain HTTP from another host.
	ErrForbidden = errors.New("forbidden")
)
