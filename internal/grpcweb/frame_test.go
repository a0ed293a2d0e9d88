package grpcweb

import (
	"bytes"
	"encoding/base64"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func TestEncodeGrpcMessage(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "",
		"plain: text ~!":   "plain: text ~!",
		"100%":             "100%25",
		"ü世":               "%C3%BC%E4%B8%96",
		"a\r\nb\t\x00\x7f": "a%0D%0Ab%09%00%7F",
	} {
		if got := encodeGrpcMessage(in); got != want {
			t.Errorf("encodeGrpcMessage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecodeBase64Chunks(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	for _, c := range []struct {
		in   string
		want string // "" with ok false: must fail
		ok   bool
	}{
		{"", "", true},
		{b64([]byte("hello")), "hello", true},
		{b64([]byte("h")) + b64([]byte("ell")) + b64([]byte("o!")), "hello!", true},
		{b64([]byte("abc")) + b64([]byte("de")), "abcde", true},
		{"aGVsbG8", "", false},    // not a multiple of 4
		{"aG=sbG8=", "", false},   // padding inside a quantum
		{"aGVs*G8=", "", false},   // not base64
		{"aGVsbG8=\n", "", false}, // a stray newline breaks the quanta
	} {
		got, err := decodeBase64Chunks([]byte(c.in))
		if (err == nil) != c.ok || c.ok && string(got) != c.want {
			t.Errorf("decodeBase64Chunks(%q) = %q, %v; want %q ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestParseTimeout(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"1H":        time.Hour,
		"2M":        2 * time.Minute,
		"3S":        3 * time.Second,
		"100m":      100 * time.Millisecond,
		"7u":        7 * time.Microsecond,
		"00000009n": 9,
		"99999999H": maxDuration,
	} {
		if got, err := parseTimeout(in); err != nil || got != want {
			t.Errorf("parseTimeout(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "m", "123456789m", "1x", "-1m", "+1m", "1 m", "1.5S"} {
		if got, err := parseTimeout(in); err == nil {
			t.Errorf("parseTimeout(%q) = %v, want an error", in, got)
		}
	}
}

// TestTrailerDropsUnsafeMetadata checks that metadata a handler sets cannot
// forge trailer lines or override the status.
func TestTrailerDropsUnsafeMetadata(t *testing.T) {
	md := metadata.MD{
		"x-ok":         {"fine"},
		"x-evil":       {"v\r\ngrpc-status:0"},
		"grpc-status":  {"0"},
		"grpc-custom":  {"reserved prefix"},
		"Bad Key":      {"x"},
		"x-upper":      {"ü"},
		"x-raw-bin":    {"\r\n"},
		"Content-Type": {"text/plain"},
	}
	got := string(appendTrailer(nil, status.New(codes.Aborted, "stop"), md))
	want := map[string]bool{"grpc-status:10\r\n": true, "grpc-message:stop\r\n": true, "x-ok:fine\r\n": true, "x-raw-bin:DQo\r\n": true}
	for _, line := range bytes.SplitAfter([]byte(got), []byte("\r\n")) {
		if len(line) > 0 && !want[string(line)] {
			t.Errorf("unexpected trailer line %q in %q", line, got)
		}
		delete(want, string(line))
	}
	if len(want) != 0 {
		t.Errorf("trailer %q lacks %v", got, want)
	}
}

// FuzzRequestBody feeds arbitrary bodies to the request decoders: they must
// not panic, and what parses must be exactly one frame.
func FuzzRequestBody(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 0, 2, 8, 1})
	f.Add([]byte{0x80, 0, 0, 0, 0})
	f.Add([]byte("AAAAAAI=CAE="))
	f.Add([]byte{0, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, raw := range [][]byte{body, nil} {
			if raw == nil {
				decoded, err := decodeBase64Chunks(body)
				if err != nil {
					return
				}
				raw = decoded
			}
			msg, err := parseRequestFrame(raw, 1<<10)
			if err != nil {
				if c := status.Code(err); c != codes.InvalidArgument && c != codes.ResourceExhausted {
					t.Fatalf("parseRequestFrame error code %v: %v", c, err)
				}
				continue
			}
			if !bytes.Equal(appendFrame(nil, flagData, msg), raw) {
				t.Fatalf("parsed %x from %x, which is not one data frame", msg, raw)
			}
		}
	})
}
