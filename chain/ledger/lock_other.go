//go:build !unix

package ledger

import "os"

// lockFile does nothing where flock is missing: only one process may open a
// ledger there, which nothing enforces.
func lockFile(*os.File) error { return nil }
