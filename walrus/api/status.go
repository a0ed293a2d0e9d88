package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/walrusfs/walrusfs/chain"
)

// BlobStatus is the JSON a node returns for a blob's status
// (GET /v1/blobs/{blob_id}/status, inside the success envelope), in the shape
// of Walrus's storage-node API:
//
//	"nonexistent"
//	{"invalid": {"event": EVENT}}
//	{"permanent": {"endEpoch": N, "isCertified": B, "statusEvent": EVENT,
//	               "deletableCounts": COUNTS, "initialCertifiedEpoch": N|null}}
//	{"deletable": {"initialCertifiedEpoch": N|null, "deletableCounts": COUNTS}}
//
// where EVENT is a Sui event ID {"txDigest": "…", "eventSeq": "N"} (the
// sequence number a decimal string, as Sui writes u64s in JSON) and COUNTS is
// {"count_deletable_total": N, "count_deletable_certified": N} (snake_case:
// Walrus renames the enum's fields, not those of the nested struct). The
// official SDK's StorageNodeClient.getBlobStatus reads exactly this.
//
// The mapping from the chain's status follows Walrus's nodes: an invalidated
// ID is invalid whatever objects it has; otherwise a live permanent object
// makes it permanent (a certified one preferred), else live deletable objects
// make it deletable, else it is nonexistent.
type BlobStatus struct {
	chain.BlobStatus
}

// NewBlobStatus wraps the chain's status for the wire.
func NewBlobStatus(s chain.BlobStatus) BlobStatus { return BlobStatus{s} }

// Blob status kinds, as the JSON enum names them.
const (
	BlobStatusNonexistent = "nonexistent"
	BlobStatusInvalid     = "invalid"
	BlobStatusPermanent   = "permanent"
	BlobStatusDeletable   = "deletable"
)

// Kind returns which variant of Walrus's enum the status is.
func (s BlobStatus) Kind() string { return StatusKind(s.BlobStatus) }

// StatusKind returns which variant of Walrus's BlobStatus enum a node reports
// for the chain's status st.
func StatusKind(st chain.BlobStatus) string {
	switch {
	case st.Invalid != nil:
		return BlobStatusInvalid
	case !st.Exists:
		return BlobStatusNonexistent
	case st.Permanent != nil:
		return BlobStatusPermanent
	case st.DeletableTotal > 0:
		return BlobStatusDeletable
	}
	return BlobStatusNonexistent
}

// eventJSON is a Sui EventID as JSON: the sequence number is a string.
type eventJSON struct {
	TxDigest string    `json:"txDigest"`
	EventSeq u64String `json:"eventSeq"`
}

func toEventJSON(e chain.EventID) eventJSON {
	return eventJSON{TxDigest: e.TxDigest, EventSeq: u64String(e.EventSeq)}
}

func (e eventJSON) event() chain.EventID {
	return chain.EventID{TxDigest: e.TxDigest, EventSeq: uint64(e.EventSeq)}
}

// u64String is written as a decimal string and read from a string or a
// number.
type u64String uint64

func (v u64String) MarshalJSON() ([]byte, error) {
	return json.Marshal(strconv.FormatUint(uint64(v), 10))
}

func (v *u64String) UnmarshalJSON(b []byte) error {
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else {
		s = string(b)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("event sequence number %s: %w", b, err)
	}
	*v = u64String(n)
	return nil
}

type deletableCounts struct {
	Total     int `json:"count_deletable_total"`
	Certified int `json:"count_deletable_certified"`
}

// UnmarshalJSON also takes the camelCase names, in case a node writes them.
func (c *deletableCounts) UnmarshalJSON(b []byte) error {
	var v struct {
		Total      *int `json:"count_deletable_total"`
		Certified  *int `json:"count_deletable_certified"`
		TotalC     *int `json:"countDeletableTotal"`
		CertifiedC *int `json:"countDeletableCertified"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = deletableCounts{Total: firstInt(v.Total, v.TotalC), Certified: firstInt(v.Certified, v.CertifiedC)}
	if c.Total < 0 || c.Certified < 0 || c.Certified > c.Total {
		return fmt.Errorf("deletable counts %d certified of %d", c.Certified, c.Total)
	}
	return nil
}

func firstInt(ps ...*int) int {
	for _, p := range ps {
		if p != nil {
			return *p
		}
	}
	return 0
}

type permanentJSON struct {
	EndEpoch              uint32          `json:"endEpoch"`
	IsCertified           bool            `json:"isCertified"`
	StatusEvent           eventJSON       `json:"statusEvent"`
	DeletableCounts       deletableCounts `json:"deletableCounts"`
	InitialCertifiedEpoch *uint32         `json:"initialCertifiedEpoch"`
}

// permanentIn is permanentJSON as read: the snake_case names that Walrus's
// generated OpenAPI shows are accepted too.
type permanentIn struct {
	permanentJSON
	EndEpochS              *uint32          `json:"end_epoch"`
	IsCertifiedS           *bool            `json:"is_certified"`
	StatusEventS           *eventJSON       `json:"status_event"`
	DeletableCountsS       *deletableCounts `json:"deletable_counts"`
	InitialCertifiedEpochS *uint32          `json:"initial_certified_epoch"`
}

type deletableJSON struct {
	InitialCertifiedEpoch *uint32         `json:"initialCertifiedEpoch"`
	DeletableCounts       deletableCounts `json:"deletableCounts"`
}

type deletableIn struct {
	deletableJSON
	InitialCertifiedEpochS *uint32          `json:"initial_certified_epoch"`
	DeletableCountsS       *deletableCounts `json:"deletable_counts"`
}

// MarshalJSON writes Walrus's enum form.
func (s BlobStatus) MarshalJSON() ([]byte, error) {
	counts := deletableCounts{Total: s.DeletableTotal, Certified: s.DeletableCertified}
	switch s.Kind() {
	case BlobStatusInvalid:
		return json.Marshal(map[string]any{"invalid": map[string]any{"event": toEventJSON(*s.Invalid)}})
	case BlobStatusPermanent:
		return json.Marshal(map[string]any{"permanent": permanentJSON{
			EndEpoch: s.Permanent.EndEpoch, IsCertified: s.Permanent.IsCertified, StatusEvent: toEventJSON(s.Permanent.StatusEvent),
			DeletableCounts: counts, InitialCertifiedEpoch: s.InitialCertifiedEpoch,
		}})
	case BlobStatusDeletable:
		return json.Marshal(map[string]any{"deletable": deletableJSON{InitialCertifiedEpoch: s.InitialCertifiedEpoch, DeletableCounts: counts}})
	}
	return json.Marshal(BlobStatusNonexistent)
}

// UnmarshalJSON reads Walrus's enum form. An invalid status reads as not
// existing (Walrus's nodes drop everything else they knew of an invalidated
// ID); unknown strings and objects with no known variant are errors.
func (s *BlobStatus) UnmarshalJSON(b []byte) error {
	*s = BlobStatus{}
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var word string
		if err := json.Unmarshal(b, &word); err != nil {
			return err
		}
		if word != BlobStatusNonexistent {
			return fmt.Errorf("unknown blob status %q", word)
		}
		return nil
	}
	var v struct {
		Invalid *struct {
			Event *eventJSON `json:"event"`
		} `json:"invalid"`
		Permanent *permanentIn `json:"permanent"`
		Deletable *deletableIn `json:"deletable"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("blob status: %w", err)
	}
	variants := 0
	for _, set := range []bool{v.Invalid != nil, v.Permanent != nil, v.Deletable != nil} {
		if set {
			variants++
		}
	}
	if variants != 1 {
		return fmt.Errorf("blob status %s: not one of nonexistent, invalid, permanent, deletable", truncate(string(b), 100))
	}
	switch {
	case v.Invalid != nil:
		if v.Invalid.Event == nil {
			return fmt.Errorf("invalid blob status without an event")
		}
		ev := v.Invalid.Event.event()
		s.Invalid = &ev
	case v.Permanent != nil:
		p := v.Permanent
		if p.EndEpochS != nil {
			p.EndEpoch = *p.EndEpochS
		}
		if p.IsCertifiedS != nil {
			p.IsCertified = *p.IsCertifiedS
		}
		if p.StatusEventS != nil {
			p.StatusEvent = *p.StatusEventS
		}
		if p.DeletableCountsS != nil {
			p.DeletableCounts = *p.DeletableCountsS
		}
		if p.InitialCertifiedEpochS != nil {
			p.InitialCertifiedEpoch = p.InitialCertifiedEpochS
		}
		s.Exists = true
		s.Permanent = &chain.PermanentStatus{EndEpoch: p.EndEpoch, IsCertified: p.IsCertified, StatusEvent: p.StatusEvent.event()}
		s.DeletableTotal, s.DeletableCertified = p.DeletableCounts.Total, p.DeletableCounts.Certified
		s.InitialCertifiedEpoch = p.InitialCertifiedEpoch
	case v.Deletable != nil:
		d := v.Deletable
		if d.DeletableCountsS != nil {
			d.DeletableCounts = *d.DeletableCountsS
		}
		if d.InitialCertifiedEpochS != nil {
			d.InitialCertifiedEpoch = d.InitialCertifiedEpochS
		}
		if d.DeletableCounts.Total == 0 {
			return fmt.Errorf("deletable blob status with no deletable object")
		}
		s.Exists = true
		s.DeletableTotal, s.DeletableCertified = d.DeletableCounts.Total, d.DeletableCounts.Certified
		s.InitialCertifiedEpoch = d.InitialCertifiedEpoch
	}
	return nil
}
