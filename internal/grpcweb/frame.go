package grpcweb

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Frame layout: flag byte ‖ u32 big-endian payload length ‖ payload.
const (
	frameHeaderLen = 5
	flagData       = 0x00
	flagCompressed = 0x01 // bit 0 of a data frame: payload compressed per grpc-encoding
	flagTrailer    = 0x80
)

// wireFormat is how a web body is encoded on the wire.
type wireFormat int

const (
	binaryFormat wireFormat = iota // frames as they are
	textFormat                     // frames in base64
)

// Response content types, without parameters: the TypeScript transport
// compares them exactly.
const (
	binaryContentType = "application/grpc-web+proto"
	textContentType   = "application/grpc-web-text+proto"
)

// parseWebFormat maps a request media type to its wire format; ok is false
// for message encodings other than protobuf (e.g. +json).
func parseWebFormat(mediaType string) (f wireFormat, ok bool) {
	switch mediaType {
	case "application/grpc-web", "application/grpc-web+proto":
		return binaryFormat, true
	case "application/grpc-web-text", "application/grpc-web-text+proto":
		return textFormat, true
	}
	return binaryFormat, false
}

func (f wireFormat) contentType() string {
	if f == textFormat {
		return textContentType
	}
	return binaryContentType
}

// maxBodyLen is the longest request body, in f, carrying one frame of at most
// maxMessage bytes.
func (f wireFormat) maxBodyLen(maxMessage int) int64 {
	n := int64(frameHeaderLen) + int64(maxMessage)
	if f == textFormat {
		return (n + 2) / 3 * 4
	}
	return n
}

// readRequestMessage reads r's body in format f and returns the message of its
// single data frame, or a status error: RESOURCE_EXHAUSTED beyond maxMessage
// bytes, INVALID_ARGUMENT for anything malformed.
func readRequestMessage(w http.ResponseWriter, r *http.Request, f wireFormat, maxMessage int) ([]byte, error) {
	limit := f.maxBodyLen(maxMessage)
	if r.ContentLength > limit {
		return nil, status.Errorf(codes.ResourceExhausted, "request body of %d bytes exceeds the limit of %d", r.ContentLength, limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, status.Errorf(codes.ResourceExhausted, "request body exceeds the limit of %d bytes", limit)
		}
		return nil, status.Errorf(codes.InvalidArgument, "read request body: %v", err)
	}
	if f == textFormat {
		if body, err = decodeBase64Chunks(body); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "request body: %v", err)
		}
	}
	return parseRequestFrame(body, maxMessage)
}

// decodeBase64Chunks decodes padded standard base64 that may be a
// concatenation of separately encoded chunks, i.e. with '=' padding inside,
// as gRPC-Web text allows.
func decodeBase64Chunks(text []byte) ([]byte, error) {
	if len(text)%4 != 0 {
		return nil, fmt.Errorf("base64 length %d is not a multiple of 4", len(text))
	}
	out := make([]byte, 0, len(text)/4*3)
	start := 0
	for end := 4; end <= len(text); end += 4 {
		if text[end-1] != '=' && end != len(text) {
			continue // padding only ever ends a chunk
		}
		n := len(out)
		out = out[:n+base64.StdEncoding.DecodedLen(end-start)]
		m, err := base64.StdEncoding.Decode(out[n:], text[start:end])
		if err != nil {
			return nil, fmt.Errorf("bad base64 at offset %d: %w", start, err)
		}
		out = out[:n+m]
		start = end
	}
	return out, nil
}

// parseRequestFrame returns the payload of body, which must be exactly one
// uncompressed data frame of at most maxMessage bytes.
func parseRequestFrame(body []byte, maxMessage int) ([]byte, error) {
	if len(body) < frameHeaderLen {
		return nil, status.Errorf(codes.InvalidArgument, "request body of %d bytes holds no frame header", len(body))
	}
	switch flag := body[0]; flag {
	case flagData:
	case flagCompressed:
		return nil, status.Error(codes.InvalidArgument, "compressed request frames are not supported")
	default:
		return nil, status.Errorf(codes.InvalidArgument, "request frame flag 0x%02x is not a data frame", flag)
	}
	length := binary.BigEndian.Uint32(body[1:frameHeaderLen])
	if uint64(length) > uint64(maxMessage) {
		return nil, status.Errorf(codes.ResourceExhausted, "request message of %d bytes exceeds the limit of %d", length, maxMessage)
	}
	payload := body[frameHeaderLen:]
	switch {
	case uint64(len(payload)) < uint64(length):
		return nil, status.Errorf(codes.InvalidArgument, "request frame declares %d bytes but carries %d", length, len(payload))
	case uint64(len(payload)) > uint64(length):
		return nil, status.Errorf(codes.InvalidArgument, "%d bytes follow the request frame; only unary calls are served", uint64(len(payload))-uint64(length))
	}
	return payload, nil
}

// appendFrame appends a frame with flag and payload to dst.
func appendFrame(dst []byte, flag byte, payload []byte) []byte {
	dst = append(dst, flag)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	return append(dst, payload...)
}
