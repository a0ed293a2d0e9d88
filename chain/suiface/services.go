package suiface

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"github.com/mr-tron/base58"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
)

// maxBatch bounds the objects one BatchGetObjects may ask for, as Sui does.
const maxBatch = 1000

// chainName is what GetServiceInfo calls the network.
const chainName = "walrusfs-devnet"

type ledgerService struct {
	v2.UnimplementedLedgerServiceServer
	f *Face
}

func (s *ledgerService) GetServiceInfo(ctx context.Context, _ *v2.GetServiceInfoRequest) (*v2.GetServiceInfoResponse, error) {
	d := s.f.l.SuiDeployment()
	return &v2.GetServiceInfoResponse{
		ChainId:                   proto.String(chainIdentifier(d.ChainID)),
		Chain:                     proto.String(chainName),
		Epoch:                     proto.Uint64(uint64(d.Epoch)),
		CheckpointHeight:          proto.Uint64(d.Checkpoint),
		Timestamp:                 timestamppb.Now(),
		LowestAvailableCheckpoint: proto.Uint64(0),
		Server:                    proto.String("walrusfs"),
	}, nil
}

// chainIdentifier is the ledger's chain ID as Sui prints one: base58 of 32
// bytes (the genesis checkpoint digest on Sui).
func chainIdentifier(id string) string {
	var b [32]byte
	copy(b[:], id)
	return base58.Encode(b[:])
}

// parseID parses an object ID or address: 0x and up to 64 hex digits, as
// Sui accepts them.
func parseID(field, s string) (chain.ObjectID, error) {
	var id chain.ObjectID
	h, ok := strings.CutPrefix(s, "0x")
	if !ok || len(h) == 0 || len(h) > 64 {
		return id, status.Errorf(codes.InvalidArgument, "invalid %s %q: want 0x and 1 to 64 hex digits", field, s)
	}
	b, err := hex.DecodeString(strings.Repeat("0", 64-len(h)) + h)
	if err != nil {
		return id, status.Errorf(codes.InvalidArgument, "invalid %s %q: %v", field, s, err)
	}
	copy(id[:], b)
	return id, nil
}

func (s *ledgerService) GetObject(ctx context.Context, req *v2.GetObjectRequest) (*v2.GetObjectResponse, error) {
	id, err := parseID("object_id", req.GetObjectId())
	if err != nil {
		return nil, err
	}
	objs, err := s.f.l.SuiObjects(ctx, []chain.ObjectID{id})
	if err != nil {
		return nil, internal(err)
	}
	if objs[0] == nil || (req.Version != nil && *req.Version != objs[0].Version) {
		return nil, status.Errorf(codes.NotFound, "object %s not found", hexID(id))
	}
	return &v2.GetObjectResponse{Object: object(objs[0])}, nil
}

func (s *ledgerService) BatchGetObjects(ctx context.Context, req *v2.BatchGetObjectsRequest) (*v2.BatchGetObjectsResponse, error) {
	if len(req.Requests) > maxBatch {
		return nil, status.Errorf(codes.InvalidArgument, "%d objects requested, at most %d", len(req.Requests), maxBatch)
	}
	ids := make([]chain.ObjectID, len(req.Requests))
	bad := make([]error, len(req.Requests))
	for i, r := range req.Requests {
		ids[i], bad[i] = parseID("object_id", r.GetObjectId())
	}
	objs, err := s.f.l.SuiObjects(ctx, ids)
	if err != nil {
		return nil, internal(err)
	}
	// One result per request, in order: clients match them by position.
	out := &v2.BatchGetObjectsResponse{Objects: make([]*v2.GetObjectResult, len(ids))}
	for i, o := range objs {
		r := req.Requests[i]
		switch {
		case bad[i] != nil:
			out.Objects[i] = objectError(codes.InvalidArgument, status.Convert(bad[i]).Message())
		case o == nil || (r.Version != nil && *r.Version != o.Version):
			out.Objects[i] = objectError(codes.NotFound, fmt.Sprintf("object %s not found", hexID(ids[i])))
		default:
			out.Objects[i] = &v2.GetObjectResult{Result: &v2.GetObjectResult_Object{Object: object(o)}}
		}
	}
	return out, nil
}

func objectError(code codes.Code, msg string) *v2.GetObjectResult {
	return &v2.GetObjectResult{Result: &v2.GetObjectResult_Error{Error: &rpcstatus.Status{Code: int32(code), Message: msg}}}
}

func parseDigest(s string) ([32]byte, error) {
	var d [32]byte
	b, err := base58.Decode(s)
	if err != nil || len(b) != 32 {
		return d, status.Errorf(codes.InvalidArgument, "invalid transaction digest %q", s)
	}
	copy(d[:], b)
	return d, nil
}

func (s *ledgerService) GetTransaction(ctx context.Context, req *v2.GetTransactionRequest) (*v2.GetTransactionResponse, error) {
	tx, err := s.transaction(req.GetDigest())
	if err != nil {
		return nil, err
	}
	return &v2.GetTransactionResponse{Transaction: tx}, nil
}

func (s *ledgerService) transaction(digest string) (*v2.ExecutedTransaction, error) {
	d, err := parseDigest(digest)
	if err != nil {
		return nil, err
	}
	exec, ok := s.f.l.SuiTransaction(d)
	if !ok {
		return nil, status.Errorf(codes.NotFound, "transaction %s not found", digest)
	}
	tx, err := executed(exec)
	if err != nil {
		return nil, internal(err)
	}
	return tx, nil
}

func (s *ledgerService) BatchGetTransactions(ctx context.Context, req *v2.BatchGetTransactionsRequest) (*v2.BatchGetTransactionsResponse, error) {
	if len(req.Digests) > maxBatch {
		return nil, status.Errorf(codes.InvalidArgument, "%d transactions requested, at most %d", len(req.Digests), maxBatch)
	}
	out := &v2.BatchGetTransactionsResponse{}
	for _, d := range req.Digests {
		tx, err := s.transaction(d)
		if err != nil {
			st := status.Convert(err)
			out.Transactions = append(out.Transactions, &v2.GetTransactionResult{Result: &v2.GetTransactionResult_Error{Error: &rpcstatus.Status{Code: int32(st.Code()), Message: st.Message()}}})
			continue
		}
		out.Transactions = append(out.Transactions, &v2.GetTransactionResult{Result: &v2.GetTransactionResult_Transaction{Transaction: tx}})
	}
	return out, nil
}

func (s *ledgerService) GetEpoch(ctx context.Context, req *v2.GetEpochRequest) (*v2.GetEpochResponse, error) {
	d := s.f.l.SuiDeployment()
	if req.Epoch != nil && *req.Epoch != uint64(d.Epoch) {
		return nil, status.Errorf(codes.NotFound, "epoch %d: only the current epoch, %d, is kept", *req.Epoch, d.Epoch)
	}
	return &v2.GetEpochResponse{Epoch: &v2.Epoch{
		Epoch:             proto.Uint64(uint64(d.Epoch)),
		Start:             timestamppb.New(d.EpochStarted),
		ReferenceGasPrice: proto.Uint64(d.GasPrice),
	}}, nil
}

type stateService struct {
	v2.UnimplementedStateServiceServer
	f *Face
}

func (s *stateService) GetBalance(ctx context.Context, req *v2.GetBalanceRequest) (*v2.GetBalanceResponse, error) {
	ownerAddr, err := parseID("owner", req.GetOwner())
	if err != nil {
		return nil, err
	}
	currency, err := moveobj.ParseStructTag(req.GetCoinType())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "invalid coin_type %q: %v", req.GetCoinType(), err)
	}
	total, _, err := s.f.l.SuiBalance(ctx, chain.Address(ownerAddr), currency)
	if err != nil {
		return nil, internal(err)
	}
	return &v2.GetBalanceResponse{Balance: &v2.Balance{CoinType: proto.String(currency.String()), Balance: proto.Uint64(total)}}, nil
}

// ownedPageSize is how many objects ListOwnedObjects returns by default and
// at most.
const (
	ownedPageSize    = 50
	maxOwnedPageSize = 1000
)

func (s *stateService) ListOwnedObjects(ctx context.Context, req *v2.ListOwnedObjectsRequest) (*v2.ListOwnedObjectsResponse, error) {
	ownerAddr, err := parseID("owner", req.GetOwner())
	if err != nil {
		return nil, err
	}
	var filter func(moveobj.StructTag) bool
	if t := req.GetObjectType(); t != "" {
		want, err := moveobj.ParseStructTag(t)
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "invalid object_type %q: %v", t, err)
		}
		// A type without type parameters matches every instantiation, as
		// Sui's filter does (0x2::coin::Coin matches all coins).
		filter = func(got moveobj.StructTag) bool {
			if len(want.TypeParams) == 0 {
				got.TypeParams = nil
			}
			return got.String() == want.String()
		}
	}
	limit := ownedPageSize
	if n := int(req.GetPageSize()); n > 0 {
		limit = min(n, maxOwnedPageSize)
	}
	var after *chain.ObjectID
	if tok := req.GetPageToken(); len(tok) > 0 {
		if len(tok) != 32 {
			return nil, status.Error(codes.InvalidArgument, "invalid page_token")
		}
		var id chain.ObjectID
		copy(id[:], tok)
		after = &id
	}
	objs, more, err := s.f.l.SuiOwnedObjects(ctx, chain.Address(ownerAddr), filter, after, limit)
	if err != nil {
		return nil, internal(err)
	}
	out := &v2.ListOwnedObjectsResponse{}
	for _, o := range objs {
		out.Objects = append(out.Objects, object(o))
	}
	// Leave next_page_token unset on the last page: the SDK pages again
	// whenever it is present, even empty.
	if more {
		last := objs[len(objs)-1].ID
		out.NextPageToken = last[:]
	}
	return out, nil
}

type movePackageService struct {
	v2.UnimplementedMovePackageServiceServer
	f *Face
}

// GetFunction describes staking::stake_with_pool, the one function the
// Walrus SDK asks about: it learns the WAL coin type from its second
// parameter.
func (s *movePackageService) GetFunction(ctx context.Context, req *v2.GetFunctionRequest) (*v2.GetFunctionResponse, error) {
	d := s.f.l.SuiDeployment()
	pkg, err := parseID("package_id", req.GetPackageId())
	if err != nil {
		return nil, err
	}
	if pkg != d.WalrusPackage || req.GetModuleName() != "staking" || req.GetName() != "stake_with_pool" {
		return nil, status.Errorf(codes.NotFound, "function %s::%s::%s not found", req.GetPackageId(), req.GetModuleName(), req.GetName())
	}
	datatype := func(name string, params ...*v2.OpenSignatureBody) *v2.OpenSignatureBody {
		t := v2.OpenSignatureBody_DATATYPE
		return &v2.OpenSignatureBody{Type: &t, TypeName: proto.String(name), TypeParameterInstantiation: params}
	}
	ref := func(r v2.OpenSignature_Reference) *v2.OpenSignature_Reference { return &r }
	addr := v2.OpenSignatureBody_ADDRESS
	stakingType := moveobj.StakingType(d.WalrusPackage)
	coin := moveobj.CoinType(moveobj.SUIType())
	coin.TypeParams = nil
	vis := v2.FunctionDescriptor_PUBLIC
	return &v2.GetFunctionResponse{Function: &v2.FunctionDescriptor{
		Name:       proto.String("stake_with_pool"),
		Visibility: &vis,
		Parameters: []*v2.OpenSignature{
			{Reference: ref(v2.OpenSignature_MUTABLE), Body: datatype(stakingType.String())},
			{Body: datatype(coin.String(), datatype(d.WALType().String()))},
			{Body: &v2.OpenSignatureBody{Type: &addr}},
			{Reference: ref(v2.OpenSignature_MUTABLE), Body: datatype(moveobj.StructTag{Address: moveobj.SuiFramework, Module: "tx_context", Name: "TxContext"}.String())},
		},
		Returns: []*v2.OpenSignature{{Body: datatype(moveobj.StructTag{Address: d.WalrusPackage, Module: "staked_wal", Name: "StakedWal"}.String())}},
	}}, nil
}

func internal(err error) error {
	if errors.Is(err, ledger.ErrClosed) {
		return status.Error(codes.Unavailable, err.Error())
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return status.FromContextError(err).Err()
	}
	return status.Error(codes.Internal, err.Error())
}
