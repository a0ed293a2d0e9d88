package grpcweb

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// incomingMetadata turns request headers into the metadata a handler sees,
// as grpc-go does natively: keys lowercase, transport headers left out,
// "-bin" values base64-decoded.
func incomingMetadata(h http.Header) (metadata.MD, error) {
	md := make(metadata.MD, len(h))
	for name, values := range h {
		key := strings.ToLower(name)
		if reservedKeys[key] {
			continue
		}
		if !strings.HasSuffix(key, "-bin") {
			md[key] = append(md[key], values...)
			continue
		}
		for _, v := range values {
			for _, part := range strings.Split(v, ",") {
				b, err := decodeBinaryHeader(strings.TrimSpace(part))
				if err != nil {
					return nil, fmt.Errorf("header %s: %w", key, err)
				}
				md[key] = append(md[key], string(b))
			}
		}
	}
	return md, nil
}

// decodeBinaryHeader accepts padded and unpadded base64, as gRPC allows both.
func decodeBinaryHeader(v string) ([]byte, error) {
	if len(v)%4 == 0 {
		return base64.StdEncoding.DecodeString(v)
	}
	return base64.RawStdEncoding.DecodeString(v)
}

// parseTimeout parses a grpc-timeout value: 1 to 8 digits and a unit.
func parseTimeout(v string) (time.Duration, error) {
	if len(v) < 2 || len(v) > 9 {
		return 0, fmt.Errorf("grpc-timeout %q: want 1 to 8 digits and a unit", v)
	}
	unit, ok := timeoutUnits[v[len(v)-1]]
	if !ok {
		return 0, fmt.Errorf("grpc-timeout %q: unknown unit", v)
	}
	digits := v[:len(v)-1]
	if strings.TrimLeft(digits, "0123456789") != "" {
		return 0, fmt.Errorf("grpc-timeout %q: not a number", v)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("grpc-timeout %q: %w", v, err)
	}
	// 99999999 hours overflows a Duration; such a timeout means none.
	if n > int64(maxDuration/unit) {
		return maxDuration, nil
	}
	return time.Duration(n) * unit, nil
}

const maxDuration = time.Duration(1<<63 - 1)

var timeoutUnits = map[byte]time.Duration{
	'H': time.Hour, 'M': time.Minute, 'S': time.Second,
	'm': time.Millisecond, 'u': time.Microsecond, 'n': time.Nanosecond,
}

// webStream is the grpc.ServerTransportStream of a web call, so that
// grpc.Method, grpc.SetHeader, grpc.SendHeader and grpc.SetTrailer work in
// handlers and interceptors as they do natively.
type webStream struct {
	method string

	mu         sync.Mutex
	header     metadata.MD
	trailer    metadata.MD
	headerSent bool
}

var _ grpc.ServerTransportStream = (*webStream)(nil)

func (s *webStream) Method() string { return s.method }

func (s *webStream) SetHeader(md metadata.MD) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.headerSent {
		return errors.New("grpcweb: headers already sent")
	}
	s.header = metadata.Join(s.header, md)
	return nil
}

// SendHeader only marks the headers final: a unary web response writes them
// together with the message.
func (s *webStream) SendHeader(md metadata.MD) error {
	if err := s.SetHeader(md); err != nil {
		return err
	}
	s.mu.Lock()
	s.headerSent = true
	s.mu.Unlock()
	return nil
}

func (s *webStream) SetTrailer(md metadata.MD) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trailer = metadata.Join(s.trailer, md)
	return nil
}

// headerAndTrailer returns what the handler set.
func (s *webStream) headerAndTrailer() (metadata.MD, metadata.MD) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.header, s.trailer
}
