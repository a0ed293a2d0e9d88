// Package testvectors loads the Walrus encoding vectors made with the official
// SDK (../shared/oracle/vectors beside the repository) for tests.
package testvectors

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Dir returns the vectors directory: $WALRUSFS_VECTORS, or shared/oracle/vectors
// beside the repository root.
func Dir() (string, error) {
	if d := os.Getenv("WALRUSFS_VECTORS"); d != "" {
		return d, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	d := filepath.Join(root, "..", "shared", "oracle", "vectors")
	if _, err := os.Stat(filepath.Join(d, "vectors.json")); err != nil {
		return "", fmt.Errorf("vectors not found beside the repository (set WALRUSFS_VECTORS): %w", err)
	}
	return d, nil
}

// OracleDir returns the directory of the official encoder wrapper.
func OracleDir() (string, error) {
	d, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Dir(d), nil
}

// RepoRoot walks up from the working directory to the directory with go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// PairHash is one sliver pair's two Merkle roots, in hex.
type PairHash struct {
	Pair      int    `json:"pair"`
	Primary   string `json:"primary"`
	Secondary string `json:"secondary"`
}

// Case is one entry of vectors.json.
type Case struct {
	Input                     string     `json:"input"`
	Size                      int        `json:"size"`
	InputSHA256               string     `json:"input_sha256"`
	NShards                   int        `json:"n_shards"`
	Error                     string     `json:"error"`
	BlobIDB64                 string     `json:"blob_id_b64"`
	BlobIDHex                 string     `json:"blob_id_hex"`
	BlobIDU256                string     `json:"blob_id_u256"`
	RootHashHex               string     `json:"root_hash_hex"`
	EncodingType              string     `json:"encoding_type"`
	SymbolSize                int        `json:"symbol_size"`
	PrimarySymbols            int        `json:"primary_symbols"`
	SecondarySymbols          int        `json:"secondary_symbols"`
	PrimarySliverDataLen      int        `json:"primary_sliver_data_len"`
	SecondarySliverDataLen    int        `json:"secondary_sliver_data_len"`
	PrimarySliverBCSLen       int        `json:"primary_sliver_bcs_len"`
	SecondarySliverBCSLen     int        `json:"secondary_sliver_bcs_len"`
	EncodedLengthSDK          int64      `json:"encoded_length_sdk"`
	ShardRotationOffset       int        `json:"shard_rotation_offset"`
	FirstSliverPairHashes     []PairHash `json:"first_sliver_pair_hashes"`
	FirstParityPairHashes     PairHash   `json:"first_parity_pair_hashes"`
	LastSliverPairHashes      PairHash   `json:"last_sliver_pair_hashes"`
	PairHashesSHA256          string     `json:"pair_hashes_sha256"`
	PrimarySliversBCSSHA256   string     `json:"primary_slivers_bcs_sha256"`
	SecondarySliversBCSSHA256 string     `json:"secondary_slivers_bcs_sha256"`
	Pair0PrimaryBCSSHA256     string     `json:"pair0_primary_bcs_sha256"`
	Pair0SecondaryBCSSHA256   string     `json:"pair0_secondary_bcs_sha256"`
	FirstParityPrimaryBCSSHA  string     `json:"first_parity_primary_bcs_sha256"`
	LastSecondaryBCSSHA256    string     `json:"last_secondary_bcs_sha256"`
	MetadataBCSSHA256         string     `json:"metadata_bcs_sha256"`
}

// Cases reads vectors.json.
func Cases() ([]Case, error) {
	d, err := Dir()
	if err != nil {
		return nil, err
	}
	var cs []Case
	if err := readJSON(filepath.Join(d, "vectors.json"), &cs); err != nil {
		return nil, err
	}
	return cs, nil
}

// FullPair is one sliver pair of a full dump.
type FullPair struct {
	PairIndex            int    `json:"pair_index"`
	ShardIndex           int    `json:"shard_index"`
	PrimarySliverIndex   int    `json:"primary_sliver_index"`
	SecondarySliverIndex int    `json:"secondary_sliver_index"`
	PrimaryHash          string `json:"primary_hash"`
	SecondaryHash        string `json:"secondary_hash"`
	PrimaryBCSHex        string `json:"primary_bcs_hex"`
	SecondaryBCSHex      string `json:"secondary_bcs_hex"`
}

// Codeword is one 1-D Reed–Solomon codeword read from the slivers.
type Codeword struct {
	Index   int      `json:"-"`
	Column  *int     `json:"column"`
	Row     *int     `json:"row"`
	Symbols []string `json:"symbols"`
}

// Full is one full/<input>.n<N>.json dump.
type Full struct {
	Name             string     `json:"-"`
	Input            string     `json:"input"`
	InputHex         string     `json:"input_hex"`
	BlobIDB64        string     `json:"blob_id_b64"`
	RootHashHex      string     `json:"root_hash_hex"`
	UnencodedLength  int        `json:"unencoded_length"`
	NShards          int        `json:"n_shards"`
	SymbolSize       int        `json:"symbol_size"`
	PrimarySymbols   int        `json:"primary_source_symbols"`
	SecondarySymbols int        `json:"secondary_source_symbols"`
	ShardRotation    int        `json:"shard_rotation_offset"`
	MetadataBCSHex   string     `json:"metadata_bcs_hex"`
	Pairs            []FullPair `json:"pairs"`
	PrimaryAxis      struct {
		Columns []Codeword `json:"columns"`
	} `json:"rs_primary_axis"`
	SecondaryAxis struct {
		Rows []Codeword `json:"rows"`
	} `json:"rs_secondary_axis"`
}

// Fulls reads every full dump, sorted by file name.
func Fulls() ([]Full, error) {
	d, err := Dir()
	if err != nil {
		return nil, err
	}
	names, err := filepath.Glob(filepath.Join(d, "full", "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []Full
	for _, name := range names {
		var f Full
		if err := readJSON(name, &f); err != nil {
			return nil, err
		}
		f.Name = filepath.Base(name)
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no full dumps in %s", d)
	}
	return out, nil
}

func readJSON(name string, v any) error {
	b, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("read vectors: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("parse %s: %w", name, err)
	}
	return nil
}
