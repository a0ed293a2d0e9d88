package api

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// ServiceHealth is the data of GET /v1/health, in the shape of Walrus's
// ServiceHealthInfo (walrus-storage-node-client, api.rs): camelCase names,
// the uptime as serde writes a Rust Duration, shards as plain numbers.
// ShardDetail is present only when the request asks ?detailed=true.
// Walrus's latestCheckpointSequenceNumber is left out, as Walrus leaves it
// out when unknown: walrusfs's nodes follow events, not checkpoints.
type ServiceHealth struct {
	Uptime        Uptime        `json:"uptime"`
	Epoch         uint32        `json:"epoch"`
	PublicKey     string        `json:"publicKey"` // BLS key, standard base64
	NodeStatus    string        `json:"nodeStatus"`
	EventProgress EventProgress `json:"eventProgress"`
	ShardSummary  ShardSummary  `json:"shardSummary"`
	ShardDetail   *ShardDetail  `json:"shardDetail,omitempty"`
}

// Node statuses walrusfs's nodes report, two of Walrus's (which also has
// recovery states that walrusfs's nodes do not go through).
const (
	NodeStatusActive  = "Active"  // a member of the current committee
	NodeStatusStandby = "Standby" // following the chain, not a member
)

// Uptime is a duration as serde writes Rust's Duration:
// {"secs": N, "nanos": N}.
type Uptime struct {
	Secs  uint64 `json:"secs"`
	Nanos uint32 `json:"nanos"`
}

// NewUptime returns d as an Uptime; a negative d is zero.
func NewUptime(d time.Duration) Uptime {
	d = max(d, 0)
	return Uptime{Secs: uint64(d / time.Second), Nanos: uint32(d % time.Second)}
}

// Duration returns the uptime as a time.Duration, saturating at its maximum.
func (u Uptime) Duration() time.Duration {
	if u.Secs >= uint64(math.MaxInt64/time.Second) {
		return math.MaxInt64
	}
	return time.Duration(u.Secs)*time.Second + time.Duration(u.Nanos)
}

// UnmarshalJSON also reads a number of seconds, which walrusfs's nodes
// wrote before they followed Walrus's form.
func (u *Uptime) UnmarshalJSON(b []byte) error {
	var secs float64
	if json.Unmarshal(b, &secs) == nil {
		if secs < 0 || secs > math.MaxInt64/float64(time.Second) {
			return fmt.Errorf("uptime %v s out of range", secs)
		}
		*u = NewUptime(time.Duration(secs * float64(time.Second)))
		return nil
	}
	var v struct {
		Secs  *uint64 `json:"secs"`
		Nanos *uint32 `json:"nanos"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("uptime: %w", err)
	}
	if v.Secs == nil || v.Nanos == nil || *v.Nanos >= uint32(time.Second) {
		return fmt.Errorf("uptime %s: not a duration", truncate(string(b), 100))
	}
	*u = Uptime{Secs: *v.Secs, Nanos: *v.Nanos}
	return nil
}

// EventProgress is how far a node has got through the chain's events, in
// the shape of Walrus's EventProgress. Persisted counts the events applied
// and recorded (the node's cursor), Pending those read from the chain and not
// yet applied, and HighestFinishedEventIndex is the index of the last
// applied event, null before the first.
type EventProgress struct {
	Persisted                 uint64  `json:"persisted"`
	Pending                   uint64  `json:"pending"`
	HighestFinishedEventIndex *uint64 `json:"highestFinishedEventIndex"`
}

// ShardStatus is the state of one shard on a node, as Walrus's ShardStatus
// enum writes it.
type ShardStatus string

// Shard statuses.
const (
	ShardUnknown    ShardStatus = "unknown"    // the node has not yet checked the shard this epoch
	ShardReady      ShardStatus = "ready"      // held and up to date
	ShardInTransfer ShardStatus = "inTransfer" // gained; slivers being pulled from the previous owner
	ShardInRecovery ShardStatus = "inRecovery" // gained; slivers being rebuilt from recovery symbols
	ShardReadOnly   ShardStatus = "readOnly"   // given up; served to readers and the new owner while the epoch change syncs
)

// ShardSummary counts a node's shards by status, in the shape of Walrus's
// ShardStatusSummary: Owned are the shards the node holds in the current
// committee, ReadOnly those it no longer holds but still serves.
type ShardSummary struct {
	Owned            int              `json:"owned"`
	OwnedShardStatus OwnedShardStatus `json:"ownedShardStatus"`
	ReadOnly         int              `json:"readOnly"`
}

// OwnedShardStatus counts the owned shards in each status.
type OwnedShardStatus struct {
	Unknown    int `json:"unknown"`
	Ready      int `json:"ready"`
	InTransfer int `json:"inTransfer"`
	InRecovery int `json:"inRecovery"`
}

// ShardDetail lists every shard a node has with its status, in shard order:
// Owned the shards it holds in the current committee, Other those it stores
// without holding them.
type ShardDetail struct {
	Owned []ShardHealth `json:"owned"`
	Other []ShardHealth `json:"other"`
}

// ShardHealth is one shard and its status.
type ShardHealth struct {
	Shard  uint16      `json:"shard"`
	Status ShardStatus `json:"status"`
}

// SummarizeShards counts owned and other shards by status, as Walrus does:
// an owned shard counts in Owned and under its status, another shard only
// when it is read-only.
func SummarizeShards(owned, other []ShardHealth) ShardSummary {
	var s ShardSummary
	for _, sh := range owned {
		s.Owned++
		switch sh.Status {
		case ShardUnknown:
			s.OwnedShardStatus.Unknown++
		case ShardReady:
			s.OwnedShardStatus.Ready++
		case ShardInTransfer:
			s.OwnedShardStatus.InTransfer++
		case ShardInRecovery:
			s.OwnedShardStatus.InRecovery++
		}
	}
	for _, sh := range other {
		if sh.Status == ShardReadOnly {
			s.ReadOnly++
		}
	}
	return s
}
