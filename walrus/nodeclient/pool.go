package nodeclient

import (
	"net/http"
	"sync"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/walrus/tlspin"
)

// Pool hands out one client per committee member and keeps them, so that
// connections are reused: HTTPS pinned to the member's network key when the
// chain publishes one, plain HTTP otherwise.
type Pool struct {
	base *http.Client

	mu      sync.Mutex
	clients map[string]*Client
}

// NewPool returns a pool whose clients are derived from base (nil for a
// default client).
func NewPool(base *http.Client) *Pool {
	if base == nil {
		base = &http.Client{}
	}
	return &Pool{base: base, clients: map[string]*Client{}}
}

// Get returns the client of a member.
func (p *Pool) Get(n chain.Node) *Client {
	key := n.Address + "\x00" + string(n.NetworkPublicKey)
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[key]; ok {
		return c
	}
	var c *Client
	if len(n.NetworkPublicKey) == 0 {
		c = New("http://"+n.Address, p.base)
	} else {
		hc := *p.base
		var tr *http.Transport
		if t, ok := p.base.Transport.(*http.Transport); ok {
			tr = t.Clone()
		} else {
			tr = http.DefaultTransport.(*http.Transport).Clone()
		}
		tr.TLSClientConfig = tlspin.ClientConfig(n.NetworkPublicKey)
		hc.Transport = tr
		c = New("https://"+n.Address, &hc)
	}
	p.clients[key] = c
	return c
}
