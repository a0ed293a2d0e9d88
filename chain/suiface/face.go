// Package suiface presents an embedded ledger as a small Sui: the gRPC v2
// services (LedgerService, StateService, TransactionExecutionService,
// MovePackageService) that the official @mysten/sui SuiGrpcClient and
// walrusfs's own chain/sui client use, over the ledger's objects in Walrus's
// Move layouts. It is a face, not a full node: it serves the calls Walrus
// clients make and answers the rest with UNIMPLEMENTED, as a real full node
// would for a method it does not have.
//
// Transactions are executed by the ledger (ExecuteSui), which verifies their
// signatures and applies Walrus's Move rules; rejected ones change nothing
// and come back as INVALID_ARGUMENT or FAILED_PRECONDITION with Sui's
// reasons, executed ones that fail are charged gas and report their failure
// in their effects, as on Sui.
package suiface

import (
	"log/slog"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"google.golang.org/grpc"

	"github.com/walrusfs/walrusfs/chain/ledger"
)

// Face serves a ledger as Sui.
type Face struct {
	l   *ledger.Ledger
	log *slog.Logger
}

// New returns the face of l; log may be nil.
func New(l *ledger.Ledger, log *slog.Logger) *Face {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Face{l: l, log: log}
}

// Register registers the face's services with a gRPC server (a
// *grpc.Server or internal/grpcweb's Server, which serves both gRPC and
// gRPC-Web).
func (f *Face) Register(r grpc.ServiceRegistrar) {
	v2.RegisterLedgerServiceServer(r, &ledgerService{f: f})
	v2.RegisterStateServiceServer(r, &stateService{f: f})
	v2.RegisterTransactionExecutionServiceServer(r, &executionService{f: f})
	v2.RegisterMovePackageServiceServer(r, &movePackageService{f: f})
}
