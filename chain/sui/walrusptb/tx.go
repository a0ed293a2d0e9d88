package walrusptb

import (
	"fmt"
	"github.com/walrusfs/walrusfs/chain/sui/suitx"

	"github.com/block-vision/sui-go-sdk/models"
	"github.com/block-vision/sui-go-sdk/transaction"

	"github.com/walrusfs/walrusfs/chain"
)

// Flow is one Walrus operation's programmable transaction: Register,
// Certify, Extend, Delete, Transfer or WriteAttributes.
type Flow interface {
	build(b *ptb)
	name() string
}

// Programmable returns the flow's inputs and commands.
func Programmable(f Flow) (*transaction.ProgrammableTransaction, error) {
	b := newPTB()
	f.build(b)
	p, err := b.programmable()
	if err != nil {
		return nil, fmt.Errorf("walrusptb: %s: %w", f.name(), err)
	}
	return p, nil
}

// Data returns the flow as an unsigned TransactionData (V1, no expiration)
// sent and paid by sender. Rebuilding with other GasData changes only the gas.
func Data(sender chain.Address, gas GasData, f Flow) (*transaction.TransactionData, error) {
	p, err := Programmable(f)
	if err != nil {
		return nil, err
	}
	payment := make([]transaction.SuiObjectRef, len(gas.Payment))
	for i, ref := range gas.Payment {
		payment[i] = *suiRef(ref)
	}
	owner := models.SuiAddressBytes(sender)
	price, budget := gas.Price, gas.Budget
	return &transaction.TransactionData{V1: &transaction.TransactionDataV1{
		Kind:    &transaction.TransactionKind{ProgrammableTransaction: p},
		Sender:  &owner,
		GasData: &transaction.GasData{Payment: &payment, Owner: &owner, Price: &price, Budget: &budget},
		// Expiration nil encodes as 0x00, which is TransactionExpiration::None.
	}}, nil
}

// Bytes returns the BCS bytes of Data: what the sender signs and the chain
// executes.
func Bytes(sender chain.Address, gas GasData, f Flow) ([]byte, error) {
	d, err := Data(sender, gas, f)
	if err != nil {
		return nil, err
	}
	b, err := suitx.Encode(d) // sui-go-sdk's Marshal is wrong for some type tags
	if err != nil {
		return nil, fmt.Errorf("walrusptb: %s: encode TransactionData: %w", f.name(), err)
	}
	return b, nil
}
