package api

import (
	"encoding/json"

	"github.com/walrusfs/walrusfs/chain"
)

// BlobStatus is the JSON a node returns for a blob's status, in the shape of
// Walrus's: "nonexistent", {"invalid": {"event": …}}, {"permanent": {…}} or
// {"deletable": {…}}.
type BlobStatus struct {
	chain.BlobStatus
}

// NewBlobStatus wraps the chain's status for the wire.
func NewBlobStatus(s chain.BlobStatus) BlobStatus { return BlobStatus{s} }

type deletableCounts struct {
	Total     int `json:"count_deletable_total"`
	Certified int `json:"count_deletable_certified"`
}

type permanentJSON struct {
	EndEpoch              uint32          `json:"endEpoch"`
	IsCertified           bool            `json:"isCertified"`
	StatusEvent           chain.EventID   `json:"statusEvent"`
	DeletableCounts       deletableCounts `json:"deletableCounts"`
	InitialCertifiedEpoch *uint32         `json:"initialCertifiedEpoch,omitempty"`
}

type deletableJSON struct {
	InitialCertifiedEpoch *uint32         `json:"initialCertifiedEpoch,omitempty"`
	DeletableCounts       deletableCounts `json:"deletableCounts"`
}

// MarshalJSON writes Walrus's enum form.
func (s BlobStatus) MarshalJSON() ([]byte, error) {
	counts := deletableCounts{Total: s.DeletableTotal, Certified: s.DeletableCertified}
	switch {
	case s.Invalid != nil:
		return json.Marshal(map[string]any{"invalid": map[string]any{"event": s.Invalid}})
	case !s.Exists:
		return json.Marshal("nonexistent")
	case s.Permanent != nil:
		return json.Marshal(map[string]any{"permanent": permanentJSON{
			EndEpoch: s.Permanent.EndEpoch, IsCertified: s.Permanent.IsCertified, StatusEvent: s.Permanent.StatusEvent,
			DeletableCounts: counts, InitialCertifiedEpoch: s.InitialCertifiedEpoch,
		}})
	default:
		return json.Marshal(map[string]any{"deletable": deletableJSON{InitialCertifiedEpoch: s.InitialCertifiedEpoch, DeletableCounts: counts}})
	}
}

// UnmarshalJSON reads Walrus's enum form.
func (s *BlobStatus) UnmarshalJSON(b []byte) error {
	*s = BlobStatus{}
	var word string
	if json.Unmarshal(b, &word) == nil {
		return nil // "nonexistent"
	}
	var v struct {
		Invalid *struct {
			Event chain.EventID `json:"event"`
		} `json:"invalid"`
		Permanent *permanentJSON `json:"permanent"`
		Deletable *deletableJSON `json:"deletable"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch {
	case v.Invalid != nil:
		s.Exists = true
		ev := v.Invalid.Event
		s.Invalid = &ev
	case v.Permanent != nil:
		s.Exists = true
		s.Permanent = &chain.PermanentStatus{EndEpoch: v.Permanent.EndEpoch, IsCertified: v.Permanent.IsCertified, StatusEvent: v.Permanent.StatusEvent}
		s.DeletableTotal, s.DeletableCertified = v.Permanent.DeletableCounts.Total, v.Permanent.DeletableCounts.Certified
		s.InitialCertifiedEpoch = v.Permanent.InitialCertifiedEpoch
	case v.Deletable != nil:
		s.Exists = true
		s.DeletableTotal, s.DeletableCertified = v.Deletable.DeletableCounts.Total, v.Deletable.DeletableCounts.Certified
		s.InitialCertifiedEpoch = v.Deletable.InitialCertifiedEpoch
	}
	return nil
}
