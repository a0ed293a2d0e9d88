package daemon

import (
	"encoding/base64"
	"net/url"

	"github.com/mr-tron/base58"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

// relayQuery is what POST /v1/blob-upload-relay asks for.
type relayQuery struct {
	blobID encoding.BlobID
	txID   string          // the registering transaction's digest; "" when not given
	object *chain.ObjectID // the Blob object of a deletable blob
}

// relayParams are the query parameters Walrus's upload relay takes. nonce
// only authenticates the sender of a tip, which this relay asks none of:
// it is checked for its form and otherwise ignored.
var relayParams = map[string]bool{
	"blob_id": true, "tx_id": true, "nonce": true, "deletable_blob_object": true, "encoding_type": true,
}

// parseRelayQuery reads an upload relay request's query as Walrus's relay
// does: unknown and repeated parameters are refused.
func parseRelayQuery(q url.Values) (relayQuery, *apiError) {
	var out relayQuery
	for k, v := range q {
		if !relayParams[k] {
			return out, invalid("MALFORMED_REQUEST", "unknown query parameter %q", k)
		}
		if len(v) > 1 {
			return out, invalid("MALFORMED_REQUEST", "query parameter %q given %d times", k, len(v))
		}
	}
	v, ok := q["blob_id"]
	if !ok {
		return out, invalid("MALFORMED_REQUEST", "blob_id is required")
	}
	id, err := encoding.ParseBlobID(v[0])
	if err != nil {
		return out, invalid("INVALID_BLOB_ID", "blob_id=%q is not a blob ID (43 characters of URL-safe base64)", v[0])
	}
	out.blobID = id
	if v, ok := q["tx_id"]; ok {
		if d, err := base58.Decode(v[0]); err != nil || len(d) != 32 {
			return out, invalid("MALFORMED_REQUEST", "tx_id=%q is not a transaction digest (32 bytes in base58)", v[0])
		}
		out.txID = v[0]
	}
	if v, ok := q["nonce"]; ok {
		if n, err := base64.RawURLEncoding.DecodeString(v[0]); err != nil || len(n) != 32 {
			return out, invalid("MALFORMED_REQUEST", "nonce=%q is not 32 bytes in unpadded URL-safe base64", v[0])
		}
	}
	if v, ok := q["deletable_blob_object"]; ok {
		oid, err := parseObjectID(v[0])
		if err != nil {
			return out, invalid("INVALID_OBJECT_ID", "deletable_blob_object: %v", err)
		}
		o := chain.ObjectID(oid)
		out.object = &o
	}
	if v, ok := q["encoding_type"]; ok && v[0] != "RS2" {
		return out, invalid("MALFORMED_REQUEST", "encoding_type=%q: only RS2 is supported", v[0])
	}
	return out, nil
}
