// Package tlspin is TLS the way Walrus storage nodes use it without a public
// certificate authority: a node serves a self-signed certificate for its
// network key (ECDSA P-256), whose public key the chain publishes; clients
// accept a node's certificate only if it carries exactly that key.
package tlspin

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// ErrPinMismatch means a server's certificate does not carry the pinned key.
var ErrPinMismatch = errors.New("tls: certificate key differs from the node's network key on chain")

// GenerateKey returns a new network key.
func GenerateKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// MarshalKey returns the key as PEM (PKCS #8).
func MarshalKey(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("marshal network key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseKey parses a key written by MarshalKey.
func ParseKey(b []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("network key: not a PEM private key")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("network key: %w", err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, errors.New("network key: not an ECDSA P-256 key")
	}
	return ek, nil
}

// PublicKey returns the DER SubjectPublicKeyInfo the chain publishes.
func PublicKey(k *ecdsa.PrivateKey) ([]byte, error) {
	return x509.MarshalPKIXPublicKey(&k.PublicKey)
}

// Certificate returns a self-signed certificate for the key, naming the
// host of addr (host:port) and a name derived from the key.
func Certificate(k *ecdsa.PrivateKey, addr string) (tls.Certificate, error) {
	spki, err := PublicKey(k)
	if err != nil {
		return tls.Certificate{}, err
	}
	sum := sha256.Sum256(spki)
	name := "walrus-node-" + hex.EncodeToString(sum[:8])
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(sum[8:16]),
		Subject:      pkix.Name{CommonName: name},
		DNSNames:     []string{name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if host, _, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); ip != nil {
			tmpl.IPAddresses = []net.IP{ip}
		} else if host != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, host)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("self-signed certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}, nil
}

// ServerConfig is the TLS configuration of a node serving its certificate.
func ServerConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
}

// ClientConfig accepts only a server whose leaf certificate carries the
// pinned public key (DER SubjectPublicKeyInfo); names and authorities are not
// consulted, the chain is the authority.
func ClientConfig(pinned []byte) *tls.Config {
	pin := bytes.Clone(pinned)
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		InsecureSkipVerify: true, // replaced by the pin check below
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return ErrPinMismatch
			}
			leaf, err := x509.ParseCertificate(raw[0])
			if err != nil {
				return fmt.Errorf("tls: server certificate: %w", err)
			}
			if !bytes.Equal(leaf.RawSubjectPublicKeyInfo, pin) {
				return ErrPinMismatch
			}
			// The certificate must be signed by its own key, so the server
			// holds the private key (TLS 1.3 also proves it in the handshake).
			if err := leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature); err != nil {
				return fmt.Errorf("tls: server certificate: %w", err)
			}
			return nil
		},
	}
}
