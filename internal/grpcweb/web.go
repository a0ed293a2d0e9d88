package grpcweb

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// maxPathInMessage bounds how much of an unknown request path is echoed
// into an error message.
const maxPathInMessage = 200

// serveWeb answers one gRPC-Web call whose Content-Type has mediaType.
func (s *Server) serveWeb(w http.ResponseWriter, r *http.Request, mediaType string) {
	s.setCORSHeaders(w.Header(), r)
	format, ok := parseWebFormat(mediaType)
	if !ok {
		writeWebError(w, format, http.StatusUnsupportedMediaType,
			status.Newf(codes.InvalidArgument, "unsupported content type %q: only protobuf messages are served", truncate(mediaType)), nil, nil)
		return
	}
	if r.Method != http.MethodPost {
		writeWebError(w, format, http.StatusMethodNotAllowed,
			status.Newf(codes.Unimplemented, "gRPC-Web calls are POST, not %s", truncate(r.Method)), nil, nil)
		return
	}
	m, ok := s.lookup(r.URL.Path)
	switch {
	case !ok:
		writeWebError(w, format, http.StatusOK, status.Newf(codes.Unimplemented, "unknown method %s", truncate(r.URL.Path)), nil, nil)
		return
	case m.stream:
		writeWebError(w, format, http.StatusOK,
			status.Newf(codes.Unimplemented, "%s is a streaming method; gRPC-Web serves unary calls only", r.URL.Path), nil, nil)
		return
	}
	ctx, cancel, stream, err := s.callContext(r)
	if err != nil {
		writeWebError(w, format, http.StatusOK, status.Convert(err), nil, nil)
		return
	}
	defer cancel()
	msg, err := readRequestMessage(w, r, format, s.maxRequestBytes)
	if err != nil {
		writeWebError(w, format, http.StatusOK, status.Convert(err), nil, nil)
		return
	}
	resp, err := m.unary(m.impl, ctx, decoder(msg), s.unary)
	header, trailer := stream.headerAndTrailer()
	if err != nil {
		writeWebError(w, format, http.StatusOK, status.Convert(err), header, trailer)
		return
	}
	out, err := marshalResponse(resp)
	if err != nil {
		writeWebError(w, format, http.StatusOK, status.Convert(err), header, trailer)
		return
	}
	body := appendFrame(nil, flagData, out)
	body = appendFrame(body, flagTrailer, appendTrailer(nil, status.New(codes.OK, ""), trailer))
	writeWebBody(w, format, http.StatusOK, header, body)
}

// callContext derives the context of a web call from its request: deadline
// from grpc-timeout, metadata from the headers, the peer, and a stream
// through which handlers set response headers and trailers.
func (s *Server) callContext(r *http.Request) (context.Context, context.CancelFunc, *webStream, error) {
	md, err := incomingMetadata(r.Header)
	if err != nil {
		return nil, nil, nil, status.Errorf(codes.InvalidArgument, "request metadata: %v", err)
	}
	ctx, cancel := r.Context(), context.CancelFunc(func() {})
	if v := r.Header.Get("grpc-timeout"); v != "" {
		timeout, err := parseTimeout(v)
		if err != nil {
			return nil, nil, nil, status.Error(codes.InvalidArgument, err.Error())
		}
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	stream := &webStream{method: r.URL.Path}
	ctx = metadata.NewIncomingContext(ctx, md)
	ctx = grpc.NewContextWithServerTransportStream(ctx, stream)
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		p := &peer.Peer{Addr: net.TCPAddrFromAddrPort(ap)}
		if local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			p.LocalAddr = local
		}
		ctx = peer.NewContext(ctx, p)
	}
	return ctx, cancel, stream, nil
}

// decoder returns the request decoder a generated MethodHandler calls.
func decoder(msg []byte) func(any) error {
	return func(v any) error {
		m, ok := v.(proto.Message)
		if !ok {
			return status.Errorf(codes.Internal, "request type %T is not a protobuf message", v)
		}
		if err := proto.Unmarshal(msg, m); err != nil {
			return status.Errorf(codes.InvalidArgument, "unmarshal request: %v", err)
		}
		return nil
	}
}

func marshalResponse(resp any) ([]byte, error) {
	m, ok := resp.(proto.Message)
	if !ok || resp == nil {
		return nil, status.Errorf(codes.Internal, "response type %T is not a protobuf message", resp)
	}
	out, err := proto.Marshal(m)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "marshal response: %v", err)
	}
	if uint64(len(out)) > math.MaxUint32 {
		return nil, status.Errorf(codes.ResourceExhausted, "response of %d bytes does not fit a frame", len(out))
	}
	return out, nil
}

// writeWebError answers with st both as headers (trailers-only) and as a
// trailer frame: clients read either.
func writeWebError(w http.ResponseWriter, format wireFormat, httpStatus int, st *status.Status, header, trailer metadata.MD) {
	setStatusHeaders(w.Header(), st)
	body := appendFrame(nil, flagTrailer, appendTrailer(nil, st, trailer))
	writeWebBody(w, format, httpStatus, header, body)
}

// writeWebBody writes the response headers and the frames in body, encoded
// in format.
func writeWebBody(w http.ResponseWriter, format wireFormat, httpStatus int, header metadata.MD, body []byte) {
	h := w.Header()
	forEachMetadata(header, h.Add)
	h.Set("Content-Type", format.contentType())
	if format == textFormat {
		body = base64.StdEncoding.AppendEncode(nil, body)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(httpStatus)
	// A write error means the client went away; there is no one left to tell.
	_, _ = w.Write(body)
}

// truncate shortens untrusted text echoed into a status message.
func truncate(s string) string {
	if len(s) <= maxPathInMessage {
		return s
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:maxPathInMessage], len(s))
}
