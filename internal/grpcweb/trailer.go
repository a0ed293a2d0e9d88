package grpcweb

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// reservedKeys are the metadata keys the transport itself writes or reads;
// a service's own headers and trailers may not set them.
var reservedKeys = map[string]bool{
	"content-type":            true,
	"content-length":          true,
	"connection":              true,
	"host":                    true,
	"te":                      true,
	"transfer-encoding":       true,
	"grpc-status":             true,
	"grpc-message":            true,
	"grpc-status-details-bin": true,
	"grpc-timeout":            true,
	"grpc-encoding":           true,
	"grpc-accept-encoding":    true,
}

// appendTrailer appends the trailer block of a call (lowercase
// "key:value\r\n" lines) ending with st, to dst. Invalid metadata is dropped.
func appendTrailer(dst []byte, st *status.Status, trailer metadata.MD) []byte {
	dst = appendLine(dst, "grpc-status", strconv.Itoa(int(st.Code())))
	if msg := st.Message(); msg != "" {
		dst = appendLine(dst, "grpc-message", encodeGrpcMessage(msg))
	}
	if details := statusDetails(st); details != "" {
		dst = appendLine(dst, "grpc-status-details-bin", details)
	}
	forEachMetadata(trailer, func(key, value string) {
		dst = appendLine(dst, key, value)
	})
	return dst
}

func appendLine(dst []byte, key, value string) []byte {
	dst = append(dst, key...)
	dst = append(dst, ':')
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// setStatusHeaders writes st as HTTP headers, for a trailers-only response.
func setStatusHeaders(h http.Header, st *status.Status) {
	h.Set("grpc-status", strconv.Itoa(int(st.Code())))
	if msg := st.Message(); msg != "" {
		h.Set("grpc-message", encodeGrpcMessage(msg))
	}
	if details := statusDetails(st); details != "" {
		h.Set("grpc-status-details-bin", details)
	}
}

// statusDetails returns the grpc-status-details-bin value of st, empty when
// st has no details (the common case, where clients need nothing more).
func statusDetails(st *status.Status) string {
	if len(st.Details()) == 0 {
		return ""
	}
	b, err := proto.Marshal(st.Proto())
	if err != nil {
		return ""
	}
	return base64.RawStdEncoding.EncodeToString(b)
}

// encodeGrpcMessage percent-encodes msg as the gRPC spec asks of
// grpc-message: every byte outside printable ASCII, and '%' itself.
func encodeGrpcMessage(msg string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c >= 0x20 && c <= 0x7e && c != '%' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xf])
	}
	return b.String()
}

// forEachMetadata calls fn with each valid, non-reserved entry of md as it
// goes on the wire: keys lowercase, "-bin" values in unpadded base64.
func forEachMetadata(md metadata.MD, fn func(key, value string)) {
	for key, values := range md {
		key = strings.ToLower(key)
		if reservedKeys[key] || !validMetadataKey(key) {
			continue
		}
		binary := strings.HasSuffix(key, "-bin")
		for _, v := range values {
			switch {
			case binary:
				fn(key, base64.RawStdEncoding.EncodeToString([]byte(v)))
			case printableASCII(v):
				fn(key, v)
			}
		}
	}
}

// validMetadataKey reports whether key is a lowercase gRPC metadata key a
// service may set (the grpc- prefix belongs to the protocol).
func validMetadataKey(key string) bool {
	if key == "" || strings.HasPrefix(key, "grpc-") {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
