package store_test

import (
	"github.com/walrusfs/walrusfs/walrus/node"
	"github.com/walrusfs/walrusfs/walrus/store"
)

// The store is what the node needs.
var _ node.Store = (*store.Store)(nil)
