package walrusptb

import (
	"fmt"

	"github.com/block-vision/sui-go-sdk/transaction"

	"github.com/walrusfs/walrusfs/chain"
)

// WriteAttributes sets and removes attributes of an owned Blob, as the SDK's
// writeBlobAttributesTransaction does.
type WriteAttributes struct {
	Contract Contract // only Package is used
	Blob     ObjectRef

	// Existing holds the Blob's current attributes, read from its metadata
	// field, or is nil when the Blob has no such field. Nil makes the
	// transaction create the field first (metadata::new, blob::add_metadata),
	// as the SDK does when given a Blob object instead of its ID; an empty
	// non-nil map means the field exists with no pairs.
	Existing map[string]string
	// Changes are applied in order. A removal of a key not in Existing is
	// dropped, as the SDK drops it (Move would abort on it).
	Changes []Attribute
}

func (WriteAttributes) name() string { return "write blob attributes" }

func (w WriteAttributes) build(b *ptb) {
	if err := checkAttributes(w.Changes); err != nil {
		b.fail(err)
		return
	}
	blob := b.owned(w.Blob)
	attrs := attributeInputs(b, w.Changes, w.Existing)
	if w.Existing == nil {
		addMetadata(b, w.Contract.Package, blob)
	}
	attrs.commands(b, w.Contract.Package, blob)
}

// checkAttributes rejects what the SDK cannot express: it takes attributes
// as a JavaScript object, which has each key once.
func checkAttributes(attrs []Attribute) error {
	seen := make(map[string]bool, len(attrs))
	for _, a := range attrs {
		if seen[a.Key] {
			return fmt.Errorf("attribute %q given twice: %w", a.Key, chain.ErrInvalidArgument)
		}
		seen[a.Key] = true
	}
	return nil
}

// attributeCall is one blob:: metadata call with its inputs already added.
type attributeCall struct {
	remove     bool
	key, value transaction.Argument
}

type attributeCalls []attributeCall

// attributeInputs adds the key (and value) inputs of each change, in order;
// removals are kept only for keys in existing.
func attributeInputs(b *ptb, changes []Attribute, existing map[string]string) attributeCalls {
	var calls attributeCalls
	for _, a := range changes {
		if a.Remove {
			if _, ok := existing[a.Key]; ok {
				calls = append(calls, attributeCall{remove: true, key: b.vector([]byte(a.Key))})
			}
			continue
		}
		calls = append(calls, attributeCall{key: b.vector([]byte(a.Key)), value: b.vector([]byte(a.Value))})
	}
	return calls
}

func (calls attributeCalls) commands(b *ptb, pkg chain.ObjectID, blob transaction.Argument) {
	for _, c := range calls {
		if c.remove {
			b.moveCall(pkg, "blob", "remove_metadata_pair", nil, blob, c.key)
		} else {
			b.moveCall(pkg, "blob", "insert_or_update_metadata_pair", nil, blob, c.key, c.value)
		}
	}
}

// addMetadata gives the Blob an empty metadata field.
func addMetadata(b *ptb, pkg chain.ObjectID, blob transaction.Argument) {
	metadata := b.moveCall(pkg, "metadata", "new", nil)
	b.moveCall(pkg, "blob", "add_metadata", nil, blob, metadata)
}
