package grpcweb

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// TestParallelCallsOnBothProtocols runs many calls at once over native
// gRPC, gRPC-Web on HTTP/1.1 and gRPC-Web on h2c, each checking that its
// answer echoes its own request.
func TestParallelCallsOnBothProtocols(t *testing.T) {
	var counter callCounter
	_, addr := startServer(t, Options{UnaryInterceptors: []grpc.UnaryServerInterceptor{counter.intercept}})
	ledger := v2.NewLedgerServiceClient(dialNative(t, addr))
	web := []*http.Client{http1Client(t), h2cClient(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	const perProtocol = 100
	errs := make(chan error, 3*perProtocol)
	var wg sync.WaitGroup
	for i := range perProtocol {
		wg.Add(3)
		go func() {
			defer wg.Done()
			errs <- nativeEcho(ctx, ledger, fmt.Sprintf("0x%x", i))
		}()
		for j, client := range web {
			go func() {
				defer wg.Done()
				errs <- webEcho(ctx, client, addr, fmt.Sprintf("0x%x%x", j+1, i))
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := counter.count(v2.LedgerService_BatchGetObjects_FullMethodName); n != 3*perProtocol {
		t.Errorf("interceptor saw %d calls, want %d", n, 3*perProtocol)
	}
}

func echoRequest(id string) *v2.BatchGetObjectsRequest {
	return &v2.BatchGetObjectsRequest{Requests: []*v2.GetObjectRequest{{ObjectId: &id}}}
}

func checkEcho(resp *v2.BatchGetObjectsResponse, id string) error {
	if got := resp.GetObjects(); len(got) != 1 || got[0].GetObject().GetObjectId() != id {
		return fmt.Errorf("echo of %s: %v", id, resp)
	}
	return nil
}

func nativeEcho(ctx context.Context, ledger v2.LedgerServiceClient, id string) error {
	resp, err := ledger.BatchGetObjects(ctx, echoRequest(id))
	if err != nil {
		return fmt.Errorf("native %s: %w", id, err)
	}
	return checkEcho(resp, id)
}

// webEcho makes a binary gRPC-Web call; it may not use t (it runs off the
// test goroutine), so it returns errors.
func webEcho(ctx context.Context, client *http.Client, addr, id string) error {
	msg, err := proto.Marshal(echoRequest(id))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/sui.rpc.v2.LedgerService/BatchGetObjects", bytes.NewReader(appendFrame(nil, flagData, msg)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/grpc-web+proto")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("web %s: %w", id, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("web %s: %w", id, err)
	}
	frames, err := splitFrames(body)
	if err != nil {
		return fmt.Errorf("web %s: %w", id, err)
	}
	// One data frame, then a trailer frame saying OK.
	if len(frames) != 2 || frames[0].flag != flagData || frames[1].flag != flagTrailer || string(frames[1].payload) != "grpc-status:0\r\n" {
		return fmt.Errorf("web %s: frames %q", id, frames)
	}
	data := frames[0].payload
	var out v2.BatchGetObjectsResponse
	if err := proto.Unmarshal(data, &out); err != nil {
		return fmt.Errorf("web %s: %w", id, err)
	}
	return checkEcho(&out, id)
}
