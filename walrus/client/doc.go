// Package client stores blobs on a Walrus network and reads them back.
//
// Store: encode the blob (Red Stuff), reserve storage and register the blob on
// the chain, upload the metadata and each node's slivers to every node in
// parallel, gather signed storage confirmations until members holding n − f
// shards have confirmed, aggregate them into a certificate and certify the
// blob on the chain.
//
// Read: fetch the metadata from any node and check it against the blob ID,
// fetch primary slivers (systematic ones first, so that a healthy network
// needs no decoding), verify each against the metadata, decode and run the
// consistency check. A byte range fetches only the slivers that hold it.
//
// The client trusts no node: a node that is down, slow or lying is skipped,
// and a read returns the exact blob or an error while at most f shards' worth
// of nodes misbehave.
//
// # Slow nodes
//
// A node that accepts connections and never answers must cost a store a
// short, bounded delay, never minutes per blob:
//
//   - Quorum by shards, then a grace period. Store waits until the members
//     that confirmed hold n − f shards (members hold unequal shard counts; a
//     count of members means nothing to the chain), then a little longer
//     (Options.QuorumGrace plus QuorumGraceFactor times the time the quorum
//     took, as Walrus's own client does) for more confirmations that come
//     cheaply. It does not wait for the rest.
//   - The rest in the background. The uploads to nodes that had not confirmed
//     go on after Store returns, so that those nodes need not recover the
//     slivers later, until they end, Options.BackgroundTimeout passes, the
//     client is closed, or Options.MaxBackground later stores push them out
//     (each holds its encoded blob, several times the blob's size, in memory).
//   - Timeouts scale with the bytes. A request gets Options.RequestTimeout
//     plus its bytes at Options.MinThroughput. One that timed out is retried
//     once at most: a node that did not answer in that time is stalled, and
//     retrying it again only holds its slots longer.
//   - Per-node slots. A request holds a slot of its node (NodeConcurrency)
//     and then one of the client's (Concurrency), and only while it runs, so a
//     stalled node holds at most NodeConcurrency of the client's slots and the
//     other nodes' uploads, for this blob or the next, go on. A node's upload
//     stops at its first request that fails: its metadata times out once
//     (twice with the retry) and its slivers are not sent.
package client
