package ledger

// RequestMessage exposes the canonical bytes of a signed request, so that
// tests can sign what a client would not (another key, another chain).
var RequestMessage = requestMessage
