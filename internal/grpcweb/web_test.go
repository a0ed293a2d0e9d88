package grpcweb

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
)

const (
	serviceInfoPath = "/" + "sui.rpc.v2.LedgerService/GetServiceInfo"
	testLimit       = 1024 // MaxRequestBytes of the servers in these tests
)

// webReply is a gRPC-Web response taken apart.
type webReply struct {
	httpStatus  int
	contentType string
	header      http.Header
	data        [][]byte          // payloads of the data frames
	trailer     map[string]string // the trailer frame's lines; nil without one
}

// h2cClient speaks cleartext HTTP/2 with prior knowledge. Call it after
// startServer: its connections close first, so Shutdown need not wait on them.
func h2cClient(t testing.TB) *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return newClient(t, &p)
}

// http1Client speaks HTTP/1.1, as node's fetch does; call it after startServer.
func http1Client(t testing.TB) *http.Client {
	var p http.Protocols
	p.SetHTTP1(true)
	return newClient(t, &p)
}

func newClient(t testing.TB, p *http.Protocols) *http.Client {
	tr := &http.Transport{Protocols: p}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// call posts body to path with contentType and takes the reply apart,
// failing the test on anything that is not well-formed gRPC-Web.
func call(t *testing.T, client *http.Client, addr, path, contentType string, body []byte, headers ...string) webReply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	reply := webReply{httpStatus: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), header: resp.Header}
	switch reply.contentType {
	case textContentType:
		if raw, err = base64.StdEncoding.DecodeString(string(raw)); err != nil {
			t.Fatalf("text reply is not base64: %v", err)
		}
	case binaryContentType:
	default:
		t.Fatalf("reply content type %q, body %q", reply.contentType, raw)
	}
	frames, err := splitFrames(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		switch {
		case f.flag == flagData && reply.trailer == nil:
			reply.data = append(reply.data, f.payload)
		case f.flag == flagTrailer && reply.trailer == nil:
			reply.trailer = parseTrailerBlock(t, f.payload)
		default:
			t.Fatalf("unexpected frame 0x%02x", f.flag)
		}
	}
	if reply.trailer == nil {
		t.Fatalf("reply without a trailer frame")
	}
	return reply
}

type testFrame struct {
	flag    byte
	payload []byte
}

// splitFrames cuts a decoded response body into its frames.
func splitFrames(raw []byte) ([]testFrame, error) {
	var frames []testFrame
	for len(raw) > 0 {
		if len(raw) < frameHeaderLen {
			return nil, fmt.Errorf("body ends in a partial frame header %x", raw)
		}
		n := binary.BigEndian.Uint32(raw[1:frameHeaderLen])
		if uint64(len(raw)-frameHeaderLen) < uint64(n) {
			return nil, fmt.Errorf("frame declares %d bytes, has %d", n, len(raw)-frameHeaderLen)
		}
		frames = append(frames, testFrame{raw[0], raw[frameHeaderLen : frameHeaderLen+int(n)]})
		raw = raw[frameHeaderLen+int(n):]
	}
	return frames, nil
}

// parseTrailerBlock parses "key:value\r\n" lines, insisting on lowercase keys.
func parseTrailerBlock(t *testing.T, block []byte) map[string]string {
	t.Helper()
	m := make(map[string]string)
	for _, line := range strings.Split(strings.TrimSuffix(string(block), "\r\n"), "\r\n") {
		key, value, ok := strings.Cut(line, ":")
		if !ok || key != strings.ToLower(key) {
			t.Fatalf("bad trailer line %q", line)
		}
		m[key] = value
	}
	return m
}

// wantStatus checks that reply is an error with code, in both the headers
// and the trailer frame, and no data.
func (r webReply) wantStatus(t *testing.T, httpStatus int, code codes.Code) {
	t.Helper()
	want := strconv.Itoa(int(code))
	if r.httpStatus != httpStatus || r.header.Get("grpc-status") != want || r.trailer["grpc-status"] != want || len(r.data) != 0 {
		t.Errorf("reply HTTP %d grpc-status header %q trailer %q (%q), %d data frames; want HTTP %d status %v",
			r.httpStatus, r.header.Get("grpc-status"), r.trailer["grpc-status"], r.trailer["grpc-message"], len(r.data), httpStatus, code)
	}
}

func frame(flag byte, payload []byte) []byte { return appendFrame(nil, flag, payload) }

func marshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWebSuccessBothFormatsAndProtocols(t *testing.T) {
	_, addr := startServer(t, Options{})
	msg := frame(flagData, marshal(t, &v2.GetServiceInfoRequest{}))
	text := []byte(base64.StdEncoding.EncodeToString(msg))
	// A text body may be sent as separately padded base64 chunks.
	chunked := []byte(base64.StdEncoding.EncodeToString(msg[:2]) + base64.StdEncoding.EncodeToString(msg[2:]))
	cases := []struct {
		name, contentType string
		body              []byte
		wantType          string
	}{
		{"binary", "application/grpc-web", msg, binaryContentType},
		{"binary+proto", "application/grpc-web+proto", msg, binaryContentType},
		{"text", "application/grpc-web-text", text, textContentType},
		{"text+proto with parameter", "Application/gRPC-Web-Text+proto; charset=utf-8", text, textContentType},
		{"text in chunks", "application/grpc-web-text", chunked, textContentType},
	}
	for _, proto2 := range []struct {
		name   string
		client *http.Client
	}{{"http1", http1Client(t)}, {"h2c", h2cClient(t)}} {
		for _, c := range cases {
			t.Run(proto2.name+"/"+c.name, func(t *testing.T) {
				r := call(t, proto2.client, addr, serviceInfoPath, c.contentType, c.body)
				if r.httpStatus != http.StatusOK || r.contentType != c.wantType || r.trailer["grpc-status"] != "0" || len(r.data) != 1 {
					t.Fatalf("reply %+v", r)
				}
				var info v2.GetServiceInfoResponse
				if err := proto.Unmarshal(r.data[0], &info); err != nil || info.GetChainId() != testChainID {
					t.Errorf("data frame %x: %v %v", r.data[0], &info, err)
				}
			})
		}
	}
}

func TestWebMalformedRequests(t *testing.T) {
	_, addr := startServer(t, Options{MaxRequestBytes: testLimit})
	h1 := http1Client(t)
	valid := frame(flagData, nil)
	withLength := func(n uint32) []byte {
		b := frame(flagData, []byte("abc"))
		binary.BigEndian.PutUint32(b[1:5], n)
		return b
	}
	cases := []struct {
		name, contentType string
		body              []byte
		want              codes.Code
	}{
		{"empty body", "application/grpc-web", nil, codes.InvalidArgument},
		{"short header", "application/grpc-web", valid[:3], codes.InvalidArgument},
		{"trailer flag", "application/grpc-web", frame(flagTrailer, nil), codes.InvalidArgument},
		{"compressed flag", "application/grpc-web", frame(flagCompressed, []byte("x")), codes.InvalidArgument},
		{"unknown flag", "application/grpc-web", frame(0x02, nil), codes.InvalidArgument},
		{"length beyond body", "application/grpc-web", withLength(4), codes.InvalidArgument},
		{"bytes after frame", "application/grpc-web", withLength(2), codes.InvalidArgument},
		{"two frames", "application/grpc-web", append(frame(flagData, nil), frame(flagData, nil)...), codes.InvalidArgument},
		{"declared length over limit", "application/grpc-web", withLength(testLimit + 1), codes.ResourceExhausted},
		{"body over limit", "application/grpc-web", frame(flagData, make([]byte, testLimit+1)), codes.ResourceExhausted},
		{"text body over limit", "application/grpc-web-text", []byte(base64.StdEncoding.EncodeToString(frame(flagData, make([]byte, 2*testLimit)))), codes.ResourceExhausted},
		{"bad base64", "application/grpc-web-text", []byte("AAAA*AAA"), codes.InvalidArgument},
		{"base64 not multiple of 4", "application/grpc-web-text", []byte("AAAAAAA"), codes.InvalidArgument},
		{"padding inside quantum", "application/grpc-web-text", []byte("AA=A"), codes.InvalidArgument},
		{"not protobuf", "application/grpc-web", frame(flagData, []byte{0xff, 0xff, 0xff}), codes.InvalidArgument},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			call(t, h1, addr, serviceInfoPath, c.contentType, c.body).wantStatus(t, http.StatusOK, c.want)
		})
	}
}

// TestWebOversizeStreamedBody sends an oversize body without a
// Content-Length, so the limit must hold while reading.
func TestWebOversizeStreamedBody(t *testing.T) {
	_, addr := startServer(t, Options{MaxRequestBytes: testLimit})
	body := io.MultiReader(bytes.NewReader(frame(flagData, nil)[:1]), bytes.NewReader(make([]byte, 4*testLimit)))
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+serviceInfoPath, io.NopCloser(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/grpc-web")
	resp, err := http1Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("grpc-status"); got != strconv.Itoa(int(codes.ResourceExhausted)) {
		t.Errorf("grpc-status %q, want RESOURCE_EXHAUSTED", got)
	}
}

func TestWebRouting(t *testing.T) {
	_, addr := startServer(t, Options{})
	h1 := http1Client(t)
	req := frame(flagData, nil)
	t.Run("unknown method", func(t *testing.T) {
		r := call(t, h1, addr, "/sui.rpc.v2.LedgerService/NoSuchMethod", "application/grpc-web", req)
		r.wantStatus(t, http.StatusOK, codes.Unimplemented)
	})
	t.Run("unknown service", func(t *testing.T) {
		r := call(t, h1, addr, "/no.Such/Service", "application/grpc-web", req)
		r.wantStatus(t, http.StatusOK, codes.Unimplemented)
	})
	t.Run("streaming method", func(t *testing.T) {
		r := call(t, h1, addr, "/sui.rpc.v2.SubscriptionService/SubscribeCheckpoints", "application/grpc-web", req)
		r.wantStatus(t, http.StatusOK, codes.Unimplemented)
	})
	t.Run("json encoding", func(t *testing.T) {
		r := call(t, h1, addr, serviceInfoPath, "application/grpc-web+json", []byte("{}"))
		r.wantStatus(t, http.StatusUnsupportedMediaType, codes.InvalidArgument)
	})
	plain := func(method, contentType string) int {
		r, err := http.NewRequest(method, "http://"+addr+serviceInfoPath, bytes.NewReader(req))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", contentType)
		resp, err := http1Client(t).Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		name, method, contentType string
		want                      int
	}{
		{"not grpc", http.MethodPost, "text/plain", http.StatusUnsupportedMediaType},
		{"no content type", http.MethodPost, "", http.StatusUnsupportedMediaType},
		{"native grpc over http1", http.MethodPost, "application/grpc", http.StatusHTTPVersionNotSupported},
		{"web GET", http.MethodGet, "application/grpc-web", http.StatusMethodNotAllowed},
	} {
		if got := plain(c.method, c.contentType); got != c.want {
			t.Errorf("%s: HTTP %d, want %d", c.name, got, c.want)
		}
	}
}

func TestWebStatusAndMetadata(t *testing.T) {
	_, addr := startServer(t, Options{})
	h1 := http1Client(t)
	req := frame(flagData, nil)
	t.Run("percent-encoded message", func(t *testing.T) {
		r := call(t, h1, addr, "/sui.rpc.v2.LedgerService/GetObject", "application/grpc-web", req)
		r.wantStatus(t, http.StatusOK, codes.NotFound)
		for _, encoded := range []string{r.header.Get("grpc-message"), r.trailer["grpc-message"]} {
			if !printableASCII(encoded) || !strings.Contains(encoded, "100%25 gone") {
				t.Errorf("grpc-message %q is not percent-encoded", encoded)
			}
			if got, err := url.PathUnescape(encoded); err != nil || got != errorMessage {
				t.Errorf("grpc-message %q decodes to %q (%v), want %q", encoded, got, err, errorMessage)
			}
		}
	})
	t.Run("headers and trailers", func(t *testing.T) {
		r := call(t, h1, addr, "/sui.rpc.v2.LedgerService/GetEpoch", "application/grpc-web", req)
		if r.trailer["grpc-status"] != "0" || r.header.Get("x-method") != v2.LedgerService_GetEpoch_FullMethodName ||
			r.trailer["x-trailer"] != "done" || r.trailer["x-data-bin"] != "AP8" {
			t.Errorf("reply %+v", r)
		}
	})
	t.Run("grpc-timeout", func(t *testing.T) {
		start := time.Now()
		r := call(t, h1, addr, "/sui.rpc.v2.LedgerService/GetCheckpoint", "application/grpc-web", req, "grpc-timeout", "50m")
		r.wantStatus(t, http.StatusOK, codes.DeadlineExceeded)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("deadline took %v", d)
		}
	})
	t.Run("bad grpc-timeout", func(t *testing.T) {
		r := call(t, h1, addr, serviceInfoPath, "application/grpc-web", req, "grpc-timeout", "soon")
		r.wantStatus(t, http.StatusOK, codes.InvalidArgument)
	})
	t.Run("bad binary header", func(t *testing.T) {
		r := call(t, h1, addr, serviceInfoPath, "application/grpc-web", req, "x-key-bin", "!!!")
		r.wantStatus(t, http.StatusOK, codes.InvalidArgument)
	})
}

func TestCORS(t *testing.T) {
	preflight := func(addr, origin string) *http.Response {
		req, err := http.NewRequest(http.MethodOptions, "http://"+addr+serviceInfoPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-grpc-web,x-sui-client-protocol-version")
		resp, err := http1Client(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	t.Run("any origin by default", func(t *testing.T) {
		_, addr := startServer(t, Options{})
		h1 := http1Client(t)
		resp := preflight(addr, "http://app.example")
		h := resp.Header
		if resp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "http://app.example" ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
			h.Get("Access-Control-Allow-Headers") != "content-type,x-grpc-web,x-sui-client-protocol-version" {
			t.Errorf("preflight: HTTP %d %v", resp.StatusCode, h)
		}
		r := call(t, h1, addr, serviceInfoPath, "application/grpc-web", frame(flagData, nil), "Origin", "http://app.example")
		if r.header.Get("Access-Control-Allow-Origin") != "http://app.example" ||
			!strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "grpc-status") ||
			!strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "grpc-message") {
			t.Errorf("call from an origin: headers %v", r.header)
		}
	})
	t.Run("origin refused", func(t *testing.T) {
		_, addr := startServer(t, Options{AllowOrigin: func(o string) bool { return o == "http://ok.example" }})
		h1 := http1Client(t)
		if resp := preflight(addr, "http://evil.example"); resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("refused preflight: HTTP %d %v", resp.StatusCode, resp.Header)
		}
		if resp := preflight(addr, "http://ok.example"); resp.StatusCode != http.StatusNoContent {
			t.Errorf("allowed preflight: HTTP %d", resp.StatusCode)
		}
		r := call(t, h1, addr, serviceInfoPath, "application/grpc-web", frame(flagData, nil), "Origin", "http://evil.example")
		if r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("refused origin got CORS headers %v", r.header)
		}
	})
}

func TestNewRejectsBadLimit(t *testing.T) {
	for _, n := range []int{-1, maxMessageBytes + 1} {
		if _, err := New(Options{MaxRequestBytes: n}); err == nil {
			t.Errorf("New accepted MaxRequestBytes %d", n)
		}
	}
}

func TestRegisterServiceTwicePanics(t *testing.T) {
	srv, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	v2.RegisterLedgerServiceServer(srv, testLedger{})
	defer func() {
		if recover() == nil {
			t.Error("second registration did not panic")
		}
	}()
	v2.RegisterLedgerServiceServer(srv, testLedger{})
}

func TestShutdownCancelsOpenCalls(t *testing.T) {
	started := make(chan struct{}, 1)
	signal := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		started <- struct{}{}
		return handler(ctx, req)
	}
	srv, addr := startServer(t, Options{UnaryInterceptors: []grpc.UnaryServerInterceptor{signal}})
	h1 := http1Client(t)
	done := make(chan error, 1)
	go func() {
		// GetCheckpoint blocks until its context ends.
		resp, err := h1.Post("http://"+addr+"/sui.rpc.v2.LedgerService/GetCheckpoint", "application/grpc-web", bytes.NewReader(frame(flagData, nil)))
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		done <- err
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); err == nil {
		t.Error("Shutdown with a call in flight returned nil before its deadline")
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("call still open after Shutdown")
	}
}
