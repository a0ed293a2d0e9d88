package ledger

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/blake2b"

	"github.com/walrusfs/walrusfs/chain"
)

// Prices of a ledger's Walrus deployment when its genesis does not name
// them: Walrus's own test fixtures' storage and write prices (FROST of WAL per
// MiB of encoded length), and a reference gas price of 1000 MIST.
const (
	DefaultStoragePrice = 100_000
	DefaultWritePrice   = 20_000
	DefaultGasPrice     = 1_000
)

// SuiGenesis says how a ledger presents itself as Sui: its prices and the
// accounts funded at genesis.
type SuiGenesis struct {
	// StoragePrice is charged per MiB of encoded length per epoch, in FROST
	// (10⁻⁹ WAL); 0 means DefaultStoragePrice.
	StoragePrice uint64
	// WritePrice is charged once per MiB of encoded length, in FROST; 0
	// means DefaultWritePrice.
	WritePrice uint64
	// GasPrice is the reference gas price in MIST (10⁻⁹ SUI); 0 means
	// DefaultGasPrice.
	GasPrice uint64
	// Grants fund accounts with a SUI coin and a WAL coin each.
	Grants []Grant
}

// Grant gives an account coins: SUI in MIST, WAL in FROST.
type Grant struct {
	Owner chain.Address `json:"owner"`
	SUI   uint64        `json:"sui"`
	WAL   uint64        `json:"wal"`
}

// suiGenesisRecord is SuiGenesis as the genesis record stores it.
type suiGenesisRecord struct {
	StoragePrice uint64  `json:"storagePrice"`
	WritePrice   uint64  `json:"writePrice"`
	GasPrice     uint64  `json:"gasPrice"`
	Grants       []grant `json:"grants,omitempty"`
}

type grant struct {
	Owner id32   `json:"owner"`
	SUI   uint64 `json:"sui"`
	WAL   uint64 `json:"wal"`
}

func toSuiGenesisRecord(g *SuiGenesis) *suiGenesisRecord {
	if g == nil {
		return nil
	}
	r := &suiGenesisRecord{StoragePrice: g.StoragePrice, WritePrice: g.WritePrice, GasPrice: g.GasPrice}
	for _, gr := range g.Grants {
		r.Grants = append(r.Grants, grant{Owner: id32(gr.Owner), SUI: gr.SUI, WAL: gr.WAL})
	}
	return r
}

// coinType tells the two coins the ledger keeps apart.
type coinType uint8

const (
	coinSUI coinType = iota + 1
	coinWAL
)

func (c coinType) String() string {
	switch c {
	case coinSUI:
		return "SUI"
	case coinWAL:
		return "WAL"
	}
	return fmt.Sprintf("coin(%d)", uint8(c))
}

// coinObject is a Coin<SUI> or Coin<WAL> owned by an account.
type coinObject struct {
	id      chain.ObjectID
	owner   chain.Address
	typ     coinType
	balance uint64
	version uint64
}

// attrPair is one Walrus blob attribute.
type attrPair struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// blobAttributes is the metadata dynamic field of a blob object: its pairs in
// Move's VecMap order.
type blobAttributes struct {
	pairs   []attrPair
	version uint64
}

// suiState is what the ledger keeps for its Sui face beyond Walrus's own
// state: the deployment's IDs and prices, coins, blob attributes and the Sui
// transactions executed.
type suiState struct {
	walrusPackage chain.ObjectID // the Walrus package: call target and type origin
	walPackage    chain.ObjectID // the package of the WAL coin type
	system        chain.ObjectID // the shared System object
	staking       chain.ObjectID // the shared Staking object

	storagePrice, writePrice, gasPrice uint64

	systemVersion  uint64 // lamport of the last change to System's inner state
	stakingVersion uint64 // lamport of the last change to Staking's inner state

	coins      map[chain.ObjectID]*coinObject
	attrs      map[chain.ObjectID]*blobAttributes // by blob object ID
	attrFields map[chain.ObjectID]chain.ObjectID  // metadata field ID → blob object ID
	txs        map[[32]byte]*SuiExecution         // by Sui transaction digest

	walPaid, gasPaid uint64 // FROST and MIST paid to the system so far
}

func newSuiState() suiState {
	return suiState{
		coins:      make(map[chain.ObjectID]*coinObject),
		attrs:      make(map[chain.ObjectID]*blobAttributes),
		attrFields: make(map[chain.ObjectID]chain.ObjectID),
		txs:        make(map[[32]byte]*SuiExecution),
	}
}

// suiDomain separates the hashes that name the deployment's objects.
const suiDomain = "walrusfs/ledger/sui\x00"

// deploymentID names one of the deployment's fixed objects after the chain.
func deploymentID(chainID, what string) chain.ObjectID {
	h, _ := blake2b.New256(nil)
	h.Write([]byte(suiDomain))
	h.Write([]byte(chainID))
	h.Write([]byte{0})
	h.Write([]byte(what))
	var id chain.ObjectID
	h.Sum(id[:0])
	return id
}

// initSui sets the Sui face's state at genesis; g may be nil (ledgers made
// before the face), which gives the default prices and no coins.
func (s *state) initSui(t *txn, g *suiGenesisRecord) {
	s.sui.walrusPackage = deploymentID(s.chainID, "walrus")
	s.sui.walPackage = deploymentID(s.chainID, "wal")
	s.sui.system = deploymentID(s.chainID, "system")
	s.sui.staking = deploymentID(s.chainID, "staking")
	s.sui.storagePrice, s.sui.writePrice, s.sui.gasPrice = DefaultStoragePrice, DefaultWritePrice, DefaultGasPrice
	s.sui.systemVersion, s.sui.stakingVersion = s.lamport(), s.lamport()
	if g == nil {
		return
	}
	if g.StoragePrice != 0 {
		s.sui.storagePrice = g.StoragePrice
	}
	if g.WritePrice != 0 {
		s.sui.writePrice = g.WritePrice
	}
	if g.GasPrice != 0 {
		s.sui.gasPrice = g.GasPrice
	}
	for _, gr := range g.Grants {
		s.mintCoins(t, chain.Address(gr.Owner), gr.SUI, gr.WAL)
	}
}

// mintCoins gives owner a new SUI coin and a new WAL coin, each only if its
// amount is not zero.
func (s *state) mintCoins(t *txn, owner chain.Address, sui, wal uint64) {
	for _, c := range []struct {
		typ    coinType
		amount uint64
	}{{coinSUI, sui}, {coinWAL, wal}} {
		if c.amount == 0 {
			continue
		}
		id := t.newObjectID()
		s.sui.coins[id] = &coinObject{id: id, owner: owner, typ: c.typ, balance: c.amount, version: s.lamport()}
	}
}

// mintTx is the administrator's gift of coins to an account, a faucet.
type mintTx struct {
	Owner id32   `json:"owner"`
	SUI   uint64 `json:"sui"`
	WAL   uint64 `json:"wal"`
}

func (s *state) prepareMint(t *txn) (commitFunc, error) {
	in := t.rec.Mint
	if in.SUI == 0 && in.WAL == 0 {
		return nil, fmt.Errorf("%w: mint of no coins", chain.ErrInvalidArgument)
	}
	return func() result {
		s.mintCoins(t, chain.Address(in.Owner), in.SUI, in.WAL)
		return result{}
	}, nil
}

// objectDigest is the digest the face gives an object version: any 32 bytes
// that change with the version do, since clients only pass digests back.
func objectDigest(id chain.ObjectID, version uint64) [32]byte {
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], version)
	h, _ := blake2b.New256(nil)
	h.Write([]byte(suiDomain))
	h.Write(id[:])
	h.Write(buf[:])
	var d [32]byte
	h.Sum(d[:0])
	return d
}
