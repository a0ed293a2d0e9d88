// Package daemon serves Walrus's HTTP API for blobs over a walrusfs client:
// the aggregator's reads and the publisher's stores, as Walrus's own client
// daemon serves them, so that what is written for a Walrus aggregator or
// publisher (curl scripts, web pages, SDKs) works against walrusfs.
//
// Routes, described by the OpenAPI document the server returns on /v1/api:
//
//	GET  /v1/blobs/{blob_id}                    the blob; one Range: bytes=… gives 206
//	GET  /v1/blobs/{blob_id}/byte-range         ?start=S&length=L, 200
//	GET  /v1/blobs/by-object-id/{object_id}     the blob of a Blob object, with its allowed attributes as headers
//	PUT  /v1/blobs                              store the body (publisher only)
//	GET  /v1/tip-config                         "no_tip" (upload relay only)
//	POST /v1/blob-upload-relay                  ?blob_id=…[&tx_id=…][&deletable_blob_object=…]: upload a
//	                                            blob its sender registered, answer the certificate (relay only)
//	GET  /status                                liveness
//	GET  /v1/api                                the OpenAPI document
//
// # Vocabulary
//
// A row is what one systematic primary sliver holds of a blob: row i is
// bytes [i·r, (i+1)·r), r = PrimarySliverSize of Reader.Params. A window is the whole rows a
// read fetches at once (Config.Window bytes, at least one row).
//
// # Decisions
//
//   - Reads stream. A response larger than a window is sent window by
//     window: the first window ends with the row of its first byte, so
//     bytes leave as soon as one sliver is fetched and verified; while one
//     window is written the next is fetched. A read holds at most three windows (the one written, the
//     next, and its slivers while they are fetched), never the blob. Errors
//     before the first byte get a status; after it, the connection is cut,
//     so that the client sees a body shorter than Content-Length.
//   - Reads are Walrus's default consistency. Every byte comes from a
//     systematic primary sliver checked against the blob's metadata, which
//     is what the default check of a whole read amounts to.
//     strict_consistency_check=true reads the blob whole and checks that it
//     encodes to its ID, holding it in memory.
//   - Ranges. Walrus takes bytes=a-b; this server also takes bytes=a- and
//     bytes=-n (RFC 9110), which browsers send for media, and clamps an end
//     past the blob. Several ranges, a malformed header or a start past the
//     end are 416, as Walrus answers them.
//   - Errors have Walrus's JSON shape ({"error": {code, status, message,
//     details: [{"@type": "ErrorInfo", reason, domain}]}}) and reasons. A
//     blob no node could serve (too few slivers, no metadata) is 503 and
//     worth retrying; internal errors hide their cause, which is logged.
//   - The publisher spends the wallet's funds and checks no credentials:
//     it is served only when Config.Storer is set. As Walrus's, it stores
//     nothing when a permanent blob of the same ID is certified for long
//     enough (unless force=true), and reuses the wallet's blob objects only
//     with reuse_resources=true.
//   - The upload relay asks no tip and spends no funds: the sender
//     registers and certifies. It checks what the request names: tx_id must
//     have created the Blob object of this blob ID (the one
//     deletable_blob_object names, if given), or deletable_blob_object
//     alone must be this blob's; the body must then have the registered
//     size. The official SDK sends tx_id only when it is told to ask for a
//     tip (uploadRelay.sendTip), so a request naming neither is served too,
//     bounded by MaxBodySize: the storage nodes refuse unregistered blobs.
//
// # Differences from Walrus
//
// The upload relay asks no tip, so nonce is only checked for its form.
// share=true (shared blobs), JWT authentication, the quilt routes and the
// v1alpha routes (stream, concat) are not served; by-object-id reads Blob
// objects, not SharedBlob ones. Unknown query parameters of a read are
// ignored (Walrus refuses them; a PUT refuses them here too).
package daemon
