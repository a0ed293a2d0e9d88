package grpcweb_test

import (
	"context"
	"log"
	"net"
	"time"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"

	"github.com/walrusfs/walrusfs/internal/grpcweb"
)

type ledger struct {
	v2.UnimplementedLedgerServiceServer
}

// A service registered once answers grpc-go clients (h2c) and the
// TypeScript SuiGrpcClient (gRPC-Web, baseUrl "http://<addr>") on one port.
func Example() {
	srv, err := grpcweb.New(grpcweb.Options{})
	if err != nil {
		log.Fatal(err)
	}
	v2.RegisterLedgerServiceServer(srv, ledger{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		if err := srv.Serve(l); err != nil {
			log.Print(err)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Print(err)
	}
	// Output:
}
