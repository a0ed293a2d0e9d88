package grpcweb

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// dialNative connects grpc-go with insecure credentials, as sui-go-sdk's
// grpcconn does by default: HTTP/2 cleartext with prior knowledge.
func dialNative(t testing.TB, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestNativeUnaryCalls(t *testing.T) {
	var counter callCounter
	_, addr := startServer(t, Options{UnaryInterceptors: []grpc.UnaryServerInterceptor{counter.intercept}})
	ledger := v2.NewLedgerServiceClient(dialNative(t, addr))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	info, err := ledger.GetServiceInfo(metadata.AppendToOutgoingContext(ctx, protoVersion, "138"), &v2.GetServiceInfoRequest{})
	if err != nil {
		t.Fatalf("GetServiceInfo: %v", err)
	}
	if info.GetChainId() != testChainID || info.GetChain() != testChain || info.GetEpoch() != testEpoch || info.GetCheckpointHeight() != 138 {
		t.Errorf("GetServiceInfo = %v", info)
	}

	ids := []string{"0x1", missingID, "0x2"}
	req := &v2.BatchGetObjectsRequest{ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"object_id", "version"}}}
	for _, id := range ids {
		req.Requests = append(req.Requests, &v2.GetObjectRequest{ObjectId: &id})
	}
	objs, err := ledger.BatchGetObjects(ctx, req)
	if err != nil {
		t.Fatalf("BatchGetObjects: %v", err)
	}
	checkBatch(t, objs, ids)

	_, err = ledger.GetObject(ctx, &v2.GetObjectRequest{})
	if st := status.Convert(err); st.Code() != codes.NotFound || st.Message() != errorMessage {
		t.Errorf("GetObject error = %v %q, want NotFound %q", st.Code(), st.Message(), errorMessage)
	}

	var header, trailer metadata.MD
	epoch, err := ledger.GetEpoch(ctx, &v2.GetEpochRequest{}, grpc.Header(&header), grpc.Trailer(&trailer))
	if err != nil {
		t.Fatalf("GetEpoch: %v", err)
	}
	checkEpochMetadata(t, epoch, header, trailer)

	_, err = ledger.GetTransaction(ctx, &v2.GetTransactionRequest{})
	if code := status.Code(err); code != codes.Unimplemented {
		t.Errorf("GetTransaction code = %v, want Unimplemented", code)
	}
	if n := counter.count(v2.LedgerService_GetServiceInfo_FullMethodName); n != 1 {
		t.Errorf("interceptor saw GetServiceInfo %d times, want 1", n)
	}
}

// checkBatch checks a BatchGetObjects answer of testLedger to ids.
func checkBatch(t *testing.T, resp *v2.BatchGetObjectsResponse, ids []string) {
	t.Helper()
	if len(resp.GetObjects()) != len(ids) {
		t.Fatalf("BatchGetObjects returned %d results for %d ids", len(resp.GetObjects()), len(ids))
	}
	for i, r := range resp.GetObjects() {
		if ids[i] == missingID {
			if r.GetError().GetCode() != int32(codes.NotFound) {
				t.Errorf("result %d = %v, want NotFound error", i, r)
			}
			continue
		}
		o := r.GetObject()
		if o.GetObjectId() != ids[i] || o.GetVersion() != uint64(i+1) || o.GetPreviousTransaction() != "object_id,version" {
			t.Errorf("result %d = %v, want id %s version %d mask echoed", i, o, ids[i], i+1)
		}
	}
}

func checkEpochMetadata(t *testing.T, epoch *v2.GetEpochResponse, header, trailer metadata.MD) {
	t.Helper()
	if epoch.GetEpoch().GetEpoch() != testEpoch {
		t.Errorf("GetEpoch = %v", epoch)
	}
	if got := header.Get("x-method"); len(got) != 1 || got[0] != v2.LedgerService_GetEpoch_FullMethodName {
		t.Errorf("header x-method = %q", got)
	}
	if got := trailer.Get("x-trailer"); len(got) != 1 || got[0] != "done" {
		t.Errorf("trailer x-trailer = %q", got)
	}
	if got := trailer.Get("x-data-bin"); len(got) != 1 || got[0] != "\x00\xff" {
		t.Errorf("trailer x-data-bin = %q", got)
	}
}

func TestNativeDeadline(t *testing.T) {
	_, addr := startServer(t, Options{})
	ledger := v2.NewLedgerServiceClient(dialNative(t, addr))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := ledger.GetCheckpoint(ctx, &v2.GetCheckpointRequest{})
	if code := status.Code(err); code != codes.DeadlineExceeded {
		t.Errorf("GetCheckpoint code = %v, want DeadlineExceeded", code)
	}
}

func TestNativeServerStreaming(t *testing.T) {
	_, addr := startServer(t, Options{})
	sub := v2.NewSubscriptionServiceClient(dialNative(t, addr))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := sub.SubscribeCheckpoints(ctx, &v2.SubscribeCheckpointsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		got = append(got, resp.GetCursor())
	}
	if len(got) != streamCount || got[0] != 0 || got[streamCount-1] != streamCount-1 {
		t.Errorf("cursors = %v, want 0..%d", got, streamCount-1)
	}
}

func TestNativeRequestLimit(t *testing.T) {
	_, addr := startServer(t, Options{MaxRequestBytes: 1024})
	ledger := v2.NewLedgerServiceClient(dialNative(t, addr))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id := string(make([]byte, 2048))
	_, err := ledger.BatchGetObjects(ctx, &v2.BatchGetObjectsRequest{Requests: []*v2.GetObjectRequest{{ObjectId: &id}}})
	if code := status.Code(err); code != codes.ResourceExhausted {
		t.Errorf("oversize request code = %v, want ResourceExhausted", code)
	}
}
