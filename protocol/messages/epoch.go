package messages

import "fmt"

// IntentEpochSyncDone marks a node's report that it holds all its shards of
// an epoch. Walrus nodes report this in a Sui transaction their operator
// signs (epoch_sync_done); a walrusfs ledger takes it as this message,
// signed with the node's BLS key. The intent lies outside Walrus's range so
// that no Walrus message can be replayed as one.
const IntentEpochSyncDone Intent = 0x80

// EpochSyncDone says that node NodeID holds all its shards of Epoch.
type EpochSyncDone struct {
	Epoch  uint32
	NodeID [32]byte
}

// Marshal returns 80 00 03 ‖ epoch ‖ node ID.
func (m EpochSyncDone) Marshal() []byte {
	return append(header(IntentEpochSyncDone, m.Epoch, 32), m.NodeID[:]...)
}

// ParseEpochSyncDone parses an epoch-sync-done message.
func ParseEpochSyncDone(b []byte) (EpochSyncDone, error) {
	var m EpochSyncDone
	epoch, body, err := parseHeader(b, IntentEpochSyncDone)
	if err != nil {
		return m, err
	}
	if len(body) != 32 {
		return m, fmt.Errorf("%w: epoch-sync-done body of %d bytes", ErrInvalidMessage, len(body))
	}
	m.Epoch = epoch
	copy(m.NodeID[:], body)
	return m, nil
}
