package grpcweb

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"google.golang.org/grpc"

	"github.com/walrusfs/walrusfs/internal/officialsdk"
)

// sdkAnswers is what testdata/sdk_calls.mjs prints.
type sdkAnswers struct {
	ChainIdentifier string
	Info            struct{ ChainID, Chain, Epoch, CheckpointHeight string }
	Batch           []struct {
		ObjectID, Version, PreviousTransaction string
		ErrorCode                              int
		ErrorMessage                           string
	}
	Core []struct {
		ObjectID, Version, Error string
	}
	NotFound, UnknownMethod, Streaming struct{ Code, Message string }
	Epoch                              struct{ Epoch, Method, Trailer, DataBin string }
	Parallel                           int
}

// TestOfficialSDK drives the server with the official SuiGrpcClient over
// gRPC-Web, in both wire formats, and checks what the SDK decoded.
func TestOfficialSDK(t *testing.T) {
	var counter callCounter
	_, addr := startServer(t, Options{UnaryInterceptors: []grpc.UnaryServerInterceptor{counter.intercept}})
	const parallel = 50
	for _, format := range []string{"text", "binary"} {
		t.Run(format, func(t *testing.T) {
			out := officialsdk.Run(t, time.Minute, "testdata/sdk_calls.mjs", "http://"+addr, format, missingID, strconv.Itoa(parallel))
			var got sdkAnswers
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("script output %q: %v", out, err)
			}
			checkSDKAnswers(t, got, parallel)
		})
	}
	// Each of the two runs called GetServiceInfo twice (getChainIdentifier,
	// getServiceInfo): the web path runs the interceptors too.
	if n := counter.count(v2.LedgerService_GetServiceInfo_FullMethodName); n != 4 {
		t.Errorf("interceptor saw GetServiceInfo %d times, want 4", n)
	}
}

func checkSDKAnswers(t *testing.T, got sdkAnswers, parallel int) {
	t.Helper()
	if got.ChainIdentifier != testChainID {
		t.Errorf("getChainIdentifier = %q, want %q", got.ChainIdentifier, testChainID)
	}
	// The SDK sends x-sui-client-protocol-version 138 (sui-face.md §3),
	// which testLedger echoes as the checkpoint height.
	if i := got.Info; i.ChainID != testChainID || i.Chain != testChain || i.Epoch != strconv.Itoa(testEpoch) || i.CheckpointHeight != "138" {
		t.Errorf("getServiceInfo = %+v", i)
	}
	if len(got.Batch) != 3 {
		t.Fatalf("batchGetObjects returned %d results, want 3: %+v", len(got.Batch), got.Batch)
	}
	for i, id := range []string{"0x1", "", "0x2"} {
		b := got.Batch[i]
		if id == "" {
			if b.ErrorCode != 5 || b.ErrorMessage != "no such object" {
				t.Errorf("batch result %d = %+v, want NOT_FOUND in place", i, b)
			}
			continue
		}
		if b.ObjectID != id || b.Version != strconv.Itoa(i+1) || b.PreviousTransaction != "object_id,version" {
			t.Errorf("batch result %d = %+v", i, b)
		}
	}
	if len(got.Core) != 2 || got.Core[0].ObjectID != "0x3" || got.Core[0].Version != "1" || got.Core[1].Error != "no such object" {
		t.Errorf("core.getObjects = %+v", got.Core)
	}
	if got.NotFound.Code != "NOT_FOUND" || got.NotFound.Message != errorMessage {
		t.Errorf("getObject error = %+v, want NOT_FOUND %q", got.NotFound, errorMessage)
	}
	if got.UnknownMethod.Code != "UNIMPLEMENTED" || got.UnknownMethod.Message != "unknown method /sui.rpc.v2.StateService/GetBalance" {
		t.Errorf("unregistered method error = %+v", got.UnknownMethod)
	}
	if got.Streaming.Code != "UNIMPLEMENTED" {
		t.Errorf("server streaming error = %+v, want UNIMPLEMENTED", got.Streaming)
	}
	// "AP8" is the unpadded base64 of the -bin trailer's bytes 00 ff.
	if e := got.Epoch; e.Epoch != strconv.Itoa(testEpoch) || e.Method != v2.LedgerService_GetEpoch_FullMethodName || e.Trailer != "done" || e.DataBin != "AP8" {
		t.Errorf("getEpoch = %+v", e)
	}
	if got.Parallel != parallel {
		t.Errorf("%d of %d parallel calls answered correctly", got.Parallel, parallel)
	}
}
