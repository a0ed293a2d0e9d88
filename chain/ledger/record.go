package ledger

import (
	"fmt"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// record is one transaction as the log stores it: its inputs, sender, time
// and digest. Exactly one of the pointer fields is set. Replaying records
// through the rules rebuilds the whole state, events included, so the record
// holds no outputs.
type record struct {
	Seq    uint64 `json:"seq"`
	Digest string `json:"digest,omitempty"`
	Time   int64  `json:"time"` // Unix milliseconds
	Sender id32   `json:"sender"`

	Genesis    *genesisTx    `json:"genesis,omitempty"`
	Reserve    *reserveTx    `json:"reserve,omitempty"`
	Register   *registerTx   `json:"register,omitempty"`
	Certify    *certifyTx    `json:"certify,omitempty"`
	Invalidate *invalidateTx `json:"invalidate,omitempty"`
	Delete     *deleteTx     `json:"delete,omitempty"`
	Extend     *extendTx     `json:"extend,omitempty"`
	Epoch      *epochTx      `json:"epoch,omitempty"`
	Stake      *stakeTx      `json:"stake,omitempty"`
	Voting     *votingTx     `json:"voting,omitempty"`
	SyncDone   *syncDoneTx   `json:"syncDone,omitempty"`
	Publish    *publishTx    `json:"publish,omitempty"`
	Mint       *mintTx       `json:"mint,omitempty"`
	Sui        *suiTx        `json:"sui,omitempty"`
}

type genesisTx struct {
	ChainID        string        `json:"chainId"`
	NShards        int           `json:"nShards"`
	EpochDuration  time.Duration `json:"epochDuration"`
	MaxEpochsAhead uint32        `json:"maxEpochsAhead"`
	Nodes          []nodeRecord  `json:"nodes"`
	// Sui is absent in ledgers made before the Sui face: they get the
	// default prices and no coins.
	Sui *suiGenesisRecord `json:"sui,omitempty"`
	// Staking is false in ledgers made before staking.
	Staking bool `json:"staking,omitempty"`
}

type reserveTx struct {
	Size   uint64 `json:"size"`
	Epochs uint32 `json:"epochs"`
}

type registerTx struct {
	Storage      id32            `json:"storage"`
	BlobID       encoding.BlobID `json:"blobId"`
	Root         id32            `json:"rootHash"`
	Size         uint64          `json:"size"`
	EncodingType byte            `json:"encodingType"`
	Deletable    bool            `json:"deletable"`
}

type certifyTx struct {
	Blob id32     `json:"blob"`
	Cert wireCert `json:"certificate"`
}

type invalidateTx struct {
	Cert wireCert `json:"certificate"`
}

type deleteTx struct {
	Blob id32 `json:"blob"`
}

type extendTx struct {
	Blob   id32   `json:"blob"`
	Epochs uint32 `json:"epochs"`
}

// publishTx sets the sender's filesystem record name to manifest if its
// version is still PrevVersion (0: no record yet).
type publishTx struct {
	Name        string          `json:"name"`
	Manifest    encoding.BlobID `json:"manifest"`
	PrevVersion uint64          `json:"prevVersion"`
}

// epochTx advances the epoch; Nodes, when not nil, is the next committee.
type epochTx struct {
	Nodes []nodeRecord `json:"nodes,omitempty"`
}

// nodeRecord is a NodeRegistration as records and requests carry it, in
// the ledger's own JSON (hex IDs), so that the log's format does not follow
// changes to the JSON of chain's types.
type nodeRecord struct {
	ID                id32          `json:"id"`
	Name              string        `json:"name"`
	Address           string        `json:"networkAddress"`
	PublicKey         bls.PublicKey `json:"publicKey"`
	NetworkPublicKey  []byte        `json:"networkPublicKey,omitempty"`
	Shards            []uint16      `json:"shards"`
	Account           id32          `json:"account"`
	ProofOfPossession []byte        `json:"proofOfPossession"`
	Stake             uint64        `json:"stake,omitempty"`
}

// toNodeRecords converts registrations; nil stays nil.
func toNodeRecords(regs []NodeRegistration) []nodeRecord {
	if regs == nil {
		return nil
	}
	out := make([]nodeRecord, len(regs))
	for i, r := range regs {
		out[i] = nodeRecord{
			ID:                id32(r.Node.ID),
			Name:              r.Node.Name,
			Address:           r.Node.Address,
			PublicKey:         r.Node.PublicKey,
			NetworkPublicKey:  r.Node.NetworkPublicKey,
			Shards:            r.Node.Shards,
			Account:           id32(r.Account),
			ProofOfPossession: r.ProofOfPossession[:],
			Stake:             r.Stake,
		}
	}
	return out
}

// registrations converts records back.
func registrations(recs []nodeRecord) ([]NodeRegistration, error) {
	out := make([]NodeRegistration, len(recs))
	for i, n := range recs {
		if len(n.ProofOfPossession) != bls.SignatureSize {
			return nil, fmt.Errorf("%w: node %d (%q): proof of possession of %d bytes", chain.ErrInvalidArgument, i, n.Name, len(n.ProofOfPossession))
		}
		out[i] = NodeRegistration{
			Node: chain.Node{
				ID:               chain.ObjectID(n.ID),
				Name:             n.Name,
				Address:          n.Address,
				PublicKey:        n.PublicKey,
				NetworkPublicKey: n.NetworkPublicKey,
				Shards:           n.Shards,
			},
			Account: chain.Address(n.Account),
			Stake:   n.Stake,
		}
		copy(out[i].ProofOfPossession[:], n.ProofOfPossession)
	}
	return out, nil
}

// kind names the transaction for logs and metrics.
func (r *record) kind() string {
	switch {
	case r.Genesis != nil:
		return "genesis"
	case r.Reserve != nil:
		return "reserve_storage"
	case r.Register != nil:
		return "register_blob"
	case r.Certify != nil:
		return "certify_blob"
	case r.Invalidate != nil:
		return "invalidate_blob_id"
	case r.Delete != nil:
		return "delete_blob"
	case r.Extend != nil:
		return "extend_blob"
	case r.Epoch != nil:
		return "advance_epoch"
	case r.Stake != nil:
		return "set_stake"
	case r.Voting != nil:
		return "voting_end"
	case r.SyncDone != nil:
		return "epoch_sync_done"
	case r.Publish != nil:
		return "publish_manifest"
	case r.Mint != nil:
		return "mint"
	case r.Sui != nil:
		return "sui_transaction"
	}
	return "empty"
}

// certificate returns the certificate a record carries, if any.
func (r *record) certificate() *wireCert {
	switch {
	case r.Certify != nil:
		return &r.Certify.Cert
	case r.Invalidate != nil:
		return &r.Invalidate.Cert
	}
	return nil
}

// wireCert is a certificate as JSON carries it, its signature as raw bytes so
// that a malformed one is a rule violation (ErrInvalidCertificate) found by
// the rules rather than a decoding error.
type wireCert struct {
	Signers   []int  `json:"signers"`
	Message   []byte `json:"message"`
	Signature []byte `json:"signature"`
}

func toWireCert(c messages.Certificate) wireCert {
	return wireCert{Signers: c.Signers, Message: c.Message, Signature: c.Signature[:]}
}

func (w wireCert) certificate() (messages.Certificate, error) {
	if len(w.Signature) != bls.SignatureSize {
		return messages.Certificate{}, fmt.Errorf("%w: signature of %d bytes", chain.ErrInvalidCertificate, len(w.Signature))
	}
	c := messages.Certificate{Signers: w.Signers, Message: w.Message}
	copy(c.Signature[:], w.Signature)
	return c, nil
}
