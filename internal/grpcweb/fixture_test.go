package grpcweb

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Values the test services answer with.
const (
	testChainID  = "4btiuiMP"
	testChain    = "localnet"
	testEpoch    = 7
	missingID    = "0x00000000000000000000000000000000000000000000000000000000000000aa"
	protoVersion = "x-sui-client-protocol-version"
	streamCount  = 3
)

// errorMessage has what grpc-message must percent-encode: spaces, '%',
// ':', quotes, CR/LF and non-ASCII.
const errorMessage = "object 0x5 is 100% gone: \"ünïcödé\" 世界\r\nsecond line"

// testLedger answers LedgerService calls from its inputs alone.
type testLedger struct {
	v2.UnimplementedLedgerServiceServer
}

// GetServiceInfo reports the chain, and as checkpoint height the client's
// x-sui-client-protocol-version, to show that request metadata arrives.
func (testLedger) GetServiceInfo(ctx context.Context, _ *v2.GetServiceInfoRequest) (*v2.GetServiceInfoResponse, error) {
	var height uint64
	if md, ok := metadata.FromIncomingContext(ctx); ok && len(md.Get(protoVersion)) == 1 {
		height, _ = strconv.ParseUint(md.Get(protoVersion)[0], 10, 64)
	}
	return &v2.GetServiceInfoResponse{
		ChainId:          proto.String(testChainID),
		Chain:            proto.String(testChain),
		Epoch:            proto.Uint64(testEpoch),
		CheckpointHeight: proto.Uint64(height),
	}, nil
}

// BatchGetObjects echoes each requested ID with version index+1 and the read
// mask joined into previous_transaction; missingID is NOT_FOUND in place.
func (testLedger) BatchGetObjects(_ context.Context, req *v2.BatchGetObjectsRequest) (*v2.BatchGetObjectsResponse, error) {
	mask := strings.Join(req.GetReadMask().GetPaths(), ",")
	resp := &v2.BatchGetObjectsResponse{}
	for i, r := range req.GetRequests() {
		if r.GetObjectId() == missingID {
			resp.Objects = append(resp.Objects, &v2.GetObjectResult{Result: &v2.GetObjectResult_Error{
				Error: &rpcstatus.Status{Code: int32(codes.NotFound), Message: "no such object"},
			}})
			continue
		}
		resp.Objects = append(resp.Objects, &v2.GetObjectResult{Result: &v2.GetObjectResult_Object{Object: &v2.Object{
			ObjectId:            proto.String(r.GetObjectId()),
			Version:             proto.Uint64(uint64(i + 1)),
			PreviousTransaction: proto.String(mask),
		}}})
	}
	return resp, nil
}

// GetObject always fails, with a message that needs percent-encoding.
func (testLedger) GetObject(context.Context, *v2.GetObjectRequest) (*v2.GetObjectResponse, error) {
	return nil, status.Error(codes.NotFound, errorMessage)
}

// GetEpoch sets a response header and trailer naming the method, to show
// grpc.Method, grpc.SetHeader and grpc.SetTrailer work on both paths.
func (testLedger) GetEpoch(ctx context.Context, _ *v2.GetEpochRequest) (*v2.GetEpochResponse, error) {
	method, _ := grpc.Method(ctx)
	if err := grpc.SetHeader(ctx, metadata.Pairs("x-method", method)); err != nil {
		return nil, err
	}
	if err := grpc.SetTrailer(ctx, metadata.Pairs("x-trailer", "done", "x-data-bin", "\x00\xff")); err != nil {
		return nil, err
	}
	return &v2.GetEpochResponse{Epoch: &v2.Epoch{Epoch: proto.Uint64(testEpoch)}}, nil
}

// GetCheckpoint waits for its context, to show deadlines reach handlers.
func (testLedger) GetCheckpoint(ctx context.Context, _ *v2.GetCheckpointRequest) (*v2.GetCheckpointResponse, error) {
	select {
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	case <-time.After(10 * time.Second):
		return nil, errors.New("deadline never came")
	}
}

// testSubscription streams streamCount checkpoints.
type testSubscription struct {
	v2.UnimplementedSubscriptionServiceServer
}

func (testSubscription) SubscribeCheckpoints(_ *v2.SubscribeCheckpointsRequest, stream grpc.ServerStreamingServer[v2.SubscribeCheckpointsResponse]) error {
	for i := range uint64(streamCount) {
		if err := stream.Send(&v2.SubscribeCheckpointsResponse{Cursor: proto.Uint64(i)}); err != nil {
			return err
		}
	}
	return nil
}

// callCounter is a unary interceptor counting calls by full method name.
type callCounter struct {
	mu    sync.Mutex
	calls map[string]int
}

func (c *callCounter) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	c.mu.Lock()
	if c.calls == nil {
		c.calls = make(map[string]int)
	}
	c.calls[info.FullMethod]++
	c.mu.Unlock()
	return handler(ctx, req)
}

func (c *callCounter) count(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[method]
}

// startServer serves the test services on a loopback port and returns its
// "host:port"; the server shuts down with the test.
func startServer(t testing.TB, opts Options) (*Server, string) {
	t.Helper()
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	v2.RegisterLedgerServiceServer(srv, testLedger{})
	v2.RegisterSubscriptionServiceServer(srv, testSubscription{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return srv, l.Addr().String()
}
