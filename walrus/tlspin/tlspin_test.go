package tlspin

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPinnedTLS(t *testing.T) {
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pem, _ := MarshalKey(key)
	back, err := ParseKey(pem)
	if err != nil || !back.Equal(key) {
		t.Fatalf("key round trip: %v", err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }))
	cert, err := Certificate(key, srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srv.TLS = ServerConfig(cert)
	srv.StartTLS()
	defer srv.Close()

	pin, _ := PublicKey(key)
	good := &http.Client{Transport: &http.Transport{TLSClientConfig: ClientConfig(pin)}}
	resp, err := good.Get(srv.URL)
	if err != nil {
		t.Fatalf("pinned client: %v", err)
	}
	resp.Body.Close()

	other, _ := GenerateKey()
	otherPin, _ := PublicKey(other)
	bad := &http.Client{Transport: &http.Transport{TLSClientConfig: ClientConfig(otherPin)}}
	_, err = bad.Get(srv.URL)
	if err == nil || !(errors.Is(err, ErrPinMismatch) || strings.Contains(err.Error(), "differs")) {
		t.Fatalf("client pinned to another key: %v", err)
	}
}
