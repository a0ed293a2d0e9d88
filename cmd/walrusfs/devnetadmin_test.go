package main

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/walrusfs/walrusfs/walrus/devnet"
)

// TestAdminError: a bad --node and the last member leaving are usage
// errors (exit status 2) worded as before; the rest name the verb.
func TestAdminError(t *testing.T) {
	for _, c := range []struct {
		in    error
		usage bool
		want  string
	}{
		{&devnet.NodeError{Node: 3, Err: fs.ErrNotExist}, true, "--node 3: file does not exist"},
		{devnet.ErrLastMember, true, "the last node of a committee cannot leave"},
		{errors.New("ledger down"), false, "devnet leave: ledger down"},
	} {
		err := adminError("leave", c.in)
		if errors.As(err, new(usageError)) != c.usage || err.Error() != c.want {
			t.Errorf("adminError(%v) = %v (usage error: %t), want %q (usage error: %t)", c.in, err, errors.As(err, new(usageError)), c.want, c.usage)
		}
	}
}
