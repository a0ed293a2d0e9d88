package sui

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/chain/sui/walrusptb"
	"github.com/walrusfs/walrusfs/protocol/bls"
)

// objectMask asks for what the client decodes, as the SDK does.
var objectMask = &fieldmaskpb.FieldMask{Paths: []string{"object_id", "version", "digest", "owner", "object_type", "contents"}}

// maxBatch is how many objects one BatchGetObjects asks for, as the SDK
// chunks them.
const maxBatch = 50

// object is one object as read: its reference, owner and Move contents.
type object struct {
	ref      walrusptb.ObjectRef
	owner    *v2.Owner
	typ      moveobj.StructTag
	contents []byte
	balance  uint64
}

// objects reads objects by ID; a missing one is nil.
func (c *Client) objects(ctx context.Context, ids []chain.ObjectID) ([]*object, error) {
	out := make([]*object, 0, len(ids))
	for chunk := range slices.Chunk(ids, maxBatch) {
		req := &v2.BatchGetObjectsRequest{ReadMask: objectMask}
		for _, id := range chunk {
			s := hexID(id)
			req.Requests = append(req.Requests, &v2.GetObjectRequest{ObjectId: &s})
		}
		resp, err := c.ledger.BatchGetObjects(ctx, req)
		if err != nil {
			return nil, rpcError("read objects", err)
		}
		if len(resp.Objects) != len(chunk) {
			return nil, fmt.Errorf("sui: read objects: %d results for %d objects", len(resp.Objects), len(chunk))
		}
		for i, r := range resp.Objects {
			if e := r.GetError(); e != nil {
				if codes.Code(e.Code) == codes.NotFound {
					out = append(out, nil)
					continue
				}
				return nil, fmt.Errorf("sui: read object %s: %s", hexID(chunk[i]), e.Message)
			}
			o, err := parseObject(r.GetObject())
			if err != nil {
				return nil, fmt.Errorf("sui: object %s: %w", hexID(chunk[i]), err)
			}
			if o.ref.ID != chunk[i] {
				return nil, fmt.Errorf("sui: asked for object %s, got %s", hexID(chunk[i]), hexID(o.ref.ID))
			}
			out = append(out, o)
		}
	}
	return out, nil
}

func parseObject(p *v2.Object) (*object, error) {
	if p == nil {
		return nil, errors.New("empty object")
	}
	id, err := parseID(p.GetObjectId())
	if err != nil {
		return nil, err
	}
	digest, err := parseDigest(p.GetDigest())
	if err != nil {
		return nil, err
	}
	typ, err := moveobj.ParseStructTag(p.GetObjectType())
	if err != nil {
		return nil, fmt.Errorf("type %q: %w", p.GetObjectType(), err)
	}
	return &object{
		ref:      walrusptb.ObjectRef{ID: id, Version: p.GetVersion(), Digest: digest},
		owner:    p.GetOwner(),
		typ:      typ,
		contents: p.GetContents().GetValue(),
		balance:  p.GetBalance(),
	}, nil
}

// deployment is the Walrus deployment and its current state, as read.
type deployment struct {
	contract       walrusptb.Contract
	typeOrigin     chain.ObjectID // the package Walrus's types come from
	system         moveobj.SystemStateInnerV1
	staking        moveobj.StakingInnerV1
	committee      *chain.Committee
	gasPrice       uint64
	maxEpochsAhead uint32
	// full is set when the WAL type and the gas price were read too, which
	// only transactions need.
	full bool
}

// deploymentState returns the deployment with what transactions need, read
// again when older than the cache TTL.
func (c *Client) deploymentState(ctx context.Context) (*deployment, error) {
	return c.stateFor(ctx, true)
}

// stateFor returns the deployment; with full unset the WAL type and gas
// price may be missing, which spares a reader two calls.
func (c *Client) stateFor(ctx context.Context, full bool) (*deployment, error) {
	c.mu.Lock()
	d, at := c.cached, c.fetched
	c.mu.Unlock()
	if d != nil && time.Since(at) < c.ttl(d) && (d.full || !full) {
		return d, nil
	}
	d, err := c.readDeployment(ctx, full)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.cached, c.fetched = d, time.Now()
	c.mu.Unlock()
	return d, nil
}

// ttl is how long d may be reused: the configured TTL, but no more than a
// tenth of an epoch, so that short epochs (devnets) are seen in time.
func (c *Client) ttl(d *deployment) time.Duration {
	if ms := d.staking.EpochDuration; ms > 0 {
		return max(min(c.cfg.CacheTTL, time.Duration(ms)*time.Millisecond/10), 100*time.Millisecond)
	}
	return c.cfg.CacheTTL
}

// Refresh drops the cached deployment state: the next read goes to the
// full node.
func (c *Client) Refresh() { c.forget() }

// forget drops the cached state, after a transaction changed it or failed
// in a way stale state could explain.
func (c *Client) forget() {
	c.mu.Lock()
	c.cached = nil
	c.mu.Unlock()
}

// readDeployment reads the System and Staking objects, their inner states
// and the committee's staking pools, and checks that they agree; with full
// set also the WAL type and the reference gas price.
func (c *Client) readDeployment(ctx context.Context, full bool) (*deployment, error) {
	objs, err := c.objects(ctx, []chain.ObjectID{c.cfg.System, c.cfg.Staking})
	if err != nil {
		return nil, err
	}
	if objs[0] == nil || objs[1] == nil {
		return nil, fmt.Errorf("sui: %w: the System (%s) or Staking (%s) object does not exist on this network; check system_object and staking_object", chain.ErrNotFound, hexID(c.cfg.System), hexID(c.cfg.Staking))
	}
	sysObj, stakObj := objs[0], objs[1]
	if sysObj.typ.Module != "system" || sysObj.typ.Name != "System" || stakObj.typ.Module != "staking" || stakObj.typ.Name != "Staking" {
		return nil, fmt.Errorf("sui: objects %s and %s are a %s and a %s, not Walrus's System and Staking", hexID(c.cfg.System), hexID(c.cfg.Staking), sysObj.typ, stakObj.typ)
	}
	if sysObj.owner.GetKind() != v2.Owner_SHARED {
		return nil, fmt.Errorf("sui: the System object is not shared")
	}
	sys, err := moveobj.DecodeVersioned(sysObj.contents)
	if err != nil {
		return nil, fmt.Errorf("sui: System object: %w", err)
	}
	stak, err := moveobj.DecodeVersioned(stakObj.contents)
	if err != nil {
		return nil, fmt.Errorf("sui: Staking object: %w", err)
	}
	inner, err := c.objects(ctx, []chain.ObjectID{moveobj.InnerStateFieldID(sys.ID, sys.Version), moveobj.InnerStateFieldID(stak.ID, stak.Version)})
	if err != nil {
		return nil, err
	}
	if inner[0] == nil || inner[1] == nil {
		return nil, fmt.Errorf("sui: %w: the inner state of System (version %d) or Staking (version %d)", chain.ErrNotFound, sys.Version, stak.Version)
	}
	sysField, err := moveobj.DecodeSystemInnerField(inner[0].contents)
	if err != nil {
		return nil, fmt.Errorf("sui: System inner state: %w", err)
	}
	stakField, err := moveobj.DecodeStakingInnerField(inner[1].contents)
	if err != nil {
		return nil, fmt.Errorf("sui: Staking inner state: %w", err)
	}
	d := &deployment{
		contract: walrusptb.Contract{
			Package: sys.PackageID, System: sys.ID, SystemVersion: sysObj.owner.GetVersion(),
		},
		typeOrigin:     sysObj.typ.Address,
		system:         sysField.Value,
		staking:        stakField.Value,
		maxEpochsAhead: sysField.Value.FutureAccounting.Length,
	}
	if d.committee, err = c.readCommittee(ctx, d); err != nil {
		return nil, err
	}
	if !full {
		return d, nil
	}
	d.full = true
	if d.contract.WAL, err = c.walType(ctx, d.typeOrigin); err != nil {
		return nil, err
	}
	if d.gasPrice, err = c.referenceGasPrice(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// readCommittee builds the committee from the staking committee's order and
// shards and the pools' node info, checked against the System's BLS
// committee, which certificates are verified against on chain. While the
// epoch change syncs, the previous committee comes with it.
func (c *Client) readCommittee(ctx context.Context, d *deployment) (*chain.Committee, error) {
	bc := d.system.Committee
	sc := d.staking.Committee
	if len(bc.Members) != len(sc) {
		return nil, fmt.Errorf("sui: the System's committee has %d members, the Staking's %d", len(bc.Members), len(sc))
	}
	if bc.NShards != d.staking.NShards || bc.Epoch != d.staking.Epoch {
		return nil, fmt.Errorf("sui: System and Staking disagree: %d/%d shards, epoch %d/%d", bc.NShards, d.staking.NShards, bc.Epoch, d.staking.Epoch)
	}
	com, err := c.committeeFromPools(ctx, sc, bc.Epoch, int(bc.NShards), func(i int, info moveobj.StorageNodeInfo) error {
		m, e := bc.Members[i], sc[i]
		if m.NodeID != e.NodeID || info.NodeID != e.NodeID || int(m.Weight) != len(e.Shards) || !slices.Equal(m.PublicKey, info.PublicKey) {
			return fmt.Errorf("sui: committee member %d (%s) differs between System, Staking and its pool", i, hexID(e.NodeID))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if d.staking.EpochState.Kind == moveobj.EpochChangeSync && len(d.staking.PreviousCommittee) > 0 && com.Epoch > 0 {
		// Nothing on chain certifies with the previous committee any more,
		// so only its pools and shards are checked.
		com.Previous, err = c.committeeFromPools(ctx, d.staking.PreviousCommittee, com.Epoch-1, com.NShards, func(i int, info moveobj.StorageNodeInfo) error {
			if info.NodeID != d.staking.PreviousCommittee[i].NodeID {
				return fmt.Errorf("sui: previous committee member %s: its pool names node %s", hexID(d.staking.PreviousCommittee[i].NodeID), hexID(info.NodeID))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("previous committee: %w", err)
		}
		com.Syncing = true
	}
	return com, nil
}

// committeeFromPools builds a committee from a Staking committee (members
// in order, with their shards) and the members' pools, which check
// vets; every shard must be held exactly once.
func (c *Client) committeeFromPools(ctx context.Context, sc moveobj.Committee, epoch chain.Epoch, nShards int, check func(i int, info moveobj.StorageNodeInfo) error) (*chain.Committee, error) {
	ids := make([]chain.ObjectID, len(sc))
	for i, e := range sc {
		ids[i] = e.NodeID
	}
	pools, err := c.objects(ctx, ids)
	if err != nil {
		return nil, err
	}
	com := &chain.Committee{Epoch: epoch, NShards: nShards}
	owner := make([]bool, nShards)
	for i, e := range sc {
		if pools[i] == nil {
			return nil, fmt.Errorf("sui: %w: staking pool of committee member %s", chain.ErrNotFound, hexID(e.NodeID))
		}
		pool, err := moveobj.DecodeStakingPool(pools[i].contents)
		if err != nil {
			return nil, fmt.Errorf("sui: staking pool %s: %w", hexID(e.NodeID), err)
		}
		info := pool.NodeInfo
		if err := check(i, info); err != nil {
			return nil, err
		}
		pk, err := bls.ParseUncompressedPublicKey(info.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("sui: BLS key of node %s: %w", hexID(e.NodeID), err)
		}
		for _, s := range e.Shards {
			if int(s) >= len(owner) || owner[s] {
				return nil, fmt.Errorf("sui: shard %d is out of range or held twice", s)
			}
			owner[s] = true
		}
		com.Members = append(com.Members, chain.Node{
			ID: e.NodeID, Name: info.Name, Address: info.NetworkAddress, PublicKey: pk,
			NetworkPublicKey: info.NetworkPublicKey, Shards: slices.Sorted(slices.Values(e.Shards)),
		})
	}
	if slices.Contains(owner, false) {
		return nil, fmt.Errorf("sui: the committee of epoch %d does not hold every shard", epoch)
	}
	return com, nil
}

// walType learns the WAL coin type as the SDK does: from the second
// parameter of staking::stake_with_pool in the type-origin package.
func (c *Client) walType(ctx context.Context, pkg chain.ObjectID) (walrusptb.StructTag, error) {
	p, m, n := hexID(pkg), "staking", "stake_with_pool"
	resp, err := c.move.GetFunction(ctx, &v2.GetFunctionRequest{PackageId: &p, ModuleName: &m, Name: &n})
	if err != nil {
		return walrusptb.StructTag{}, rpcError("read the WAL type", err)
	}
	params := resp.GetFunction().GetParameters()
	if len(params) < 2 {
		return walrusptb.StructTag{}, errors.New("sui: WAL type not found: stake_with_pool has fewer than 2 parameters")
	}
	inst := params[1].GetBody().GetTypeParameterInstantiation()
	if len(inst) != 1 || inst[0].GetType() != v2.OpenSignatureBody_DATATYPE {
		return walrusptb.StructTag{}, errors.New("sui: WAL type not found in stake_with_pool's Coin parameter")
	}
	t, err := walrusptb.ParseStructTag(inst[0].GetTypeName())
	if err != nil {
		return walrusptb.StructTag{}, fmt.Errorf("sui: WAL type: %w", err)
	}
	return t, nil
}

func (c *Client) referenceGasPrice(ctx context.Context) (uint64, error) {
	resp, err := c.ledger.GetEpoch(ctx, &v2.GetEpochRequest{ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"epoch", "reference_gas_price"}}})
	if err != nil {
		return 0, rpcError("read the reference gas price", err)
	}
	p := resp.GetEpoch().GetReferenceGasPrice()
	if p == 0 {
		return 0, errors.New("sui: the full node reports no reference gas price")
	}
	return p, nil
}

// Committee returns the current committee.
func (c *Client) Committee(ctx context.Context) (*chain.Committee, error) {
	d, err := c.stateFor(ctx, false)
	if err != nil {
		return nil, err
	}
	com := *d.committee
	com.Members = slices.Clone(com.Members)
	return &com, nil
}

// Blob reads a Blob object: one of Walrus's, not a look-alike type of
// another package.
func (c *Client) Blob(ctx context.Context, id chain.ObjectID) (chain.Blob, error) {
	d, err := c.stateFor(ctx, false)
	if err != nil {
		return chain.Blob{}, err
	}
	objs, err := c.objects(ctx, []chain.ObjectID{id})
	if err != nil {
		return chain.Blob{}, err
	}
	if objs[0] == nil {
		return chain.Blob{}, fmt.Errorf("sui: %w: blob object %s", chain.ErrNotFound, hexID(id))
	}
	if want := moveobj.BlobType(d.typeOrigin); !objs[0].typ.Equal(want) {
		return chain.Blob{}, fmt.Errorf("sui: %w: object %s is a %s, not a %s", chain.ErrInvalidArgument, hexID(id), objs[0].typ, want)
	}
	return blobFromObject(objs[0])
}

// BlobAttributes reads a Blob object's attributes from its metadata
// dynamic field; a Blob without that field has none.
func (c *Client) BlobAttributes(ctx context.Context, blob chain.ObjectID) ([]chain.Attribute, error) {
	objs, err := c.objects(ctx, []chain.ObjectID{blob, moveobj.MetadataFieldID(blob)})
	if err != nil {
		return nil, err
	}
	if objs[0] == nil {
		return nil, fmt.Errorf("sui: %w: blob object %s", chain.ErrNotFound, hexID(blob))
	}
	if _, err := blobFromObject(objs[0]); err != nil {
		return nil, err
	}
	if objs[1] == nil {
		return nil, nil
	}
	f, err := moveobj.DecodeMetadataField(objs[1].contents)
	if err != nil {
		return nil, fmt.Errorf("sui: attributes of blob object %s: %w", hexID(blob), err)
	}
	if string(f.Name) != moveobj.MetadataFieldName {
		return nil, fmt.Errorf("sui: attributes of blob object %s: field named %q", hexID(blob), f.Name)
	}
	out := make([]chain.Attribute, len(f.Value))
	for i, a := range f.Value {
		out[i] = chain.Attribute{Key: a.Key, Value: a.Value}
	}
	return out, nil
}

func blobFromObject(o *object) (chain.Blob, error) {
	if o.typ.Module != "blob" || o.typ.Name != "Blob" {
		return chain.Blob{}, fmt.Errorf("sui: object %s is a %s, not a Blob", hexID(o.ref.ID), o.typ)
	}
	b, err := moveobj.DecodeBlob(o.contents)
	if err != nil {
		return chain.Blob{}, fmt.Errorf("sui: blob object %s: %w", hexID(o.ref.ID), err)
	}
	if b.ID != o.ref.ID {
		return chain.Blob{}, fmt.Errorf("sui: blob object %s holds ID %s", hexID(o.ref.ID), hexID(b.ID))
	}
	out := chain.Blob{
		ID: b.ID, RegisteredEpoch: b.RegisteredEpoch, BlobID: b.BlobID, Size: b.Size,
		EncodingType: b.EncodingType, CertifiedEpoch: b.CertifiedEpoch, Deletable: b.Deletable,
		Storage: chain.Storage{ID: b.Storage.ID, StartEpoch: b.Storage.StartEpoch, EndEpoch: b.Storage.EndEpoch, Size: b.Storage.StorageSize},
	}
	if o.owner.GetKind() == v2.Owner_ADDRESS {
		a, err := parseID(o.owner.GetAddress())
		if err != nil {
			return chain.Blob{}, fmt.Errorf("sui: blob object %s owner: %w", hexID(o.ref.ID), err)
		}
		out.Owner = chain.Address(a)
	}
	return out, nil
}

func hexID(id [32]byte) string { return "0x" + hex.EncodeToString(id[:]) }

func parseID(s string) (chain.ObjectID, error) {
	var id chain.ObjectID
	h, ok := strings.CutPrefix(s, "0x")
	if !ok || len(h) == 0 || len(h) > 64 {
		return id, fmt.Errorf("object ID %q is not 0x and 1 to 64 hex digits", s)
	}
	b, err := hex.DecodeString(strings.Repeat("0", 64-len(h)) + h)
	if err != nil {
		return id, fmt.Errorf("object ID %q: %w", s, err)
	}
	copy(id[:], b)
	return id, nil
}

// rpcError wraps a failed call with what it was for; a full node that cannot
// be reached says so.
func rpcError(what string, err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("sui: %s: %w", what, err)
	}
	switch st.Code() {
	case codes.Unavailable:
		return fmt.Errorf("sui: %s: the full node is unreachable: %s", what, st.Message())
	case codes.NotFound:
		return fmt.Errorf("sui: %s: %w: %s", what, chain.ErrNotFound, st.Message())
	}
	return fmt.Errorf("sui: %s: %s: %s", what, st.Code(), st.Message())
}
