package wallet

import (
	"slices"
	"testing"
	"time"
)

// Object IDs of the real networks, as in Walrus's setup/client_config.yaml.
const (
	mainnetSystem  = "0x2134d52768ea07e8c43570ef975eb3e4c27a39fa6396bef985b5abc58d03ddd2"
	mainnetStaking = "0x10b9d30c28448939ce6c4d6c6e0ffce4a7f8a4ada8248bdad09ef8b70e4a3904"
	testnetSystem  = "0x6c2547cbbc38025cf3adac45f63cb0a8d12ecf777cdc75a4971612bf97fdf6af"
	testnetStaking = "0xbe46180321c30aab2f8b3501e24048377287fa708018a5b7c2792b35fe339ee3"
)

func TestClientConfigTestnetSingle(t *testing.T) {
	cfg, ctx, err := ReadClientConfig("testdata/testnet.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	if ctx != "" {
		t.Errorf("context %q for a single-context file", ctx)
	}
	if hexID(cfg.SystemObject) != testnetSystem || hexID(cfg.StakingObject) != testnetStaking {
		t.Errorf("objects %s %s", hexID(cfg.SystemObject), hexID(cfg.StakingObject))
	}
	if len(cfg.ExchangeObjects) != 4 || hexID(cfg.ExchangeObjects[3]) != "0x8d63209cf8589ce7aef8f262437163c67577ed09f3e636a9d8e0813843fb8bf1" {
		t.Errorf("exchange objects %v", cfg.ExchangeObjects)
	}
	if cfg.NShards != 1000 || cfg.MaxEpochsAhead != 53 || cfg.CacheTTL != 10*time.Second {
		t.Errorf("n_shards %d, max_epochs_ahead %d, cache TTL %v", cfg.NShards, cfg.MaxEpochsAhead, cfg.CacheTTL)
	}
	if cfg.CreditsObject != nil || cfg.WalrusSubsidiesObject != nil || cfg.TreasuryObject != nil {
		t.Error("optional objects set that the file lacks (subsidies_object must be ignored)")
	}
	if cfg.Wallet == nil || *cfg.Wallet != (WalletRef{Path: "~/.sui/sui_config/client.yaml"}) {
		t.Errorf("wallet %+v", cfg.Wallet)
	}
	if !slices.Equal(cfg.RPCURLs, []string{"https://fullnode.testnet.sui.io:443"}) {
		t.Errorf("rpc_urls %v", cfg.RPCURLs)
	}
	_, _, err = ReadClientConfig("testdata/testnet.yaml", "testnet")
	wantErr(t, err, "testdata/testnet.yaml", `context "testnet"`, "single context")
}

func TestClientConfigMainnetWalletMap(t *testing.T) {
	cfg, _, err := ReadClientConfig("testdata/mainnet.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	if hexID(cfg.SystemObject) != mainnetSystem || hexID(cfg.StakingObject) != mainnetStaking {
		t.Errorf("objects %s %s", hexID(cfg.SystemObject), hexID(cfg.StakingObject))
	}
	want := WalletRef{Path: "~/.sui/sui_config/client.yaml", ActiveEnv: "mainnet"}
	if cfg.Wallet == nil || *cfg.Wallet != want {
		t.Errorf("wallet %+v, want %+v", cfg.Wallet, want)
	}
}

func TestClientConfigMultiContext(t *testing.T) {
	cfg, ctx, err := ReadClientConfig("testdata/multi.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	if ctx != "testnet" || hexID(cfg.SystemObject) != testnetSystem || len(cfg.ExchangeObjects) != 2 {
		t.Errorf("default context %q: system %s, %d exchanges", ctx, hexID(cfg.SystemObject), len(cfg.ExchangeObjects))
	}
	if cfg.Wallet == nil || cfg.Wallet.Path != "" || cfg.Wallet.ActiveEnv != "testnet" ||
		cfg.Wallet.ActiveAddress == nil || hexID(*cfg.Wallet.ActiveAddress) != sevensAddress {
		t.Errorf("wallet %+v", cfg.Wallet)
	}

	cfg, ctx, err = ReadClientConfig("testdata/multi.yaml", "mainnet")
	if err != nil {
		t.Fatal(err)
	}
	if ctx != "mainnet" || hexID(cfg.StakingObject) != mainnetStaking || cfg.MaxEpochsAhead != 0 {
		t.Errorf("context %q: staking %s, max epochs %d", ctx, hexID(cfg.StakingObject), cfg.MaxEpochsAhead)
	}

	_, _, err = ReadClientConfig("testdata/multi.yaml", "devnet")
	wantErr(t, err, "testdata/multi.yaml", `context "devnet" not found`, "mainnet, testnet")
}

func TestClientConfigObjectIDs(t *testing.T) {
	cfg, _, err := ParseClientConfig("c.yaml", []byte("system_object: 0x2\nstaking_object: \"0x00ab\"\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if hexID(cfg.SystemObject) != "0x0000000000000000000000000000000000000000000000000000000000000002" ||
		cfg.StakingObject[31] != 0xab || cfg.StakingObject[30] != 0 {
		t.Errorf("short IDs not left-padded: %s %s", hexID(cfg.SystemObject), hexID(cfg.StakingObject))
	}
}

func TestClientConfigErrors(t *testing.T) {
	const sys = "system_object: " + testnetSystem + "\n"
	const stk = "staking_object: " + testnetStaking + "\n"
	for name, tc := range map[string]struct {
		yaml    string
		context string
		want    []string
	}{
		"missing system":   {stk, "", []string{"missing required key system_object"}},
		"missing staking":  {sys, "", []string{"missing required key staking_object"}},
		"bare hex":         {"system_object: " + testnetSystem[2:] + "\n" + stk, "", []string{"system_object (line 1)", "does not start with 0x"}},
		"too long":         {sys + "staking_object: " + testnetStaking + "00\n", "", []string{"staking_object (line 2)", "1 to 64 hex digits"}},
		"not hex":          {sys + "staking_object: 0xzz\n", "", []string{"staking_object", "not hex"}},
		"bad exchange":     {sys + stk + "exchange_objects: [0x1, 12]\n", "", []string{"exchange_objects[1]", "does not start with 0x"}},
		"bad credits":      {sys + stk + "credits_object: [1]\n", "", []string{"credits_object", "want a string"}},
		"zero shards":      {sys + stk + "n_shards: 0\n", "", []string{"n_shards", "must not be 0"}},
		"too many shards":  {sys + stk + "n_shards: 65536\n", "", []string{"n_shards", "[0, 2^16)"}},
		"negative epochs":  {sys + stk + "max_epochs_ahead: -1\n", "", []string{"max_epochs_ahead", "[0, 2^32)"}},
		"string epochs":    {sys + stk + "max_epochs_ahead: many\n", "", []string{"max_epochs_ahead", "want an integer"}},
		"rpc not list":     {sys + stk + "rpc_urls: http://x\n", "", []string{"rpc_urls", "want a list"}},
		"wallet list":      {sys + stk + "wallet_config: [a]\n", "", []string{"wallet_config", "want a path or a mapping"}},
		"wallet address":   {sys + stk + "wallet_config: {active_address: 0xq}\n", "", []string{"wallet_config.active_address", "not hex"}},
		"no default":       {"contexts:\n  a:\n    " + sys, "", []string{"missing required key default_context"}},
		"context missing":  {"contexts:\n  a:\n    " + sys + "default_context: a\n", "", []string{"contexts.a.staking_object"}},
		"context bad id":   {"contexts:\n  a:\n    system_object: 0x\ndefault_context: a\n", "", []string{"contexts.a.system_object (line 3)"}},
		"unknown context":  {"contexts:\n  a:\n    " + sys + "default_context: b\n", "", []string{`context "b" not found`}},
		"not a mapping":    {"- 1\n", "", []string{"top level is not a YAML mapping"}},
		"syntax":           {"system_object: [\n", "", []string{"yaml"}},
		"contexts no maps": {"contexts: 3\ndefault_context: a\n", "", []string{"contexts", "want a mapping"}},
	} {
		_, _, err := ParseClientConfig("bad.yaml", []byte(tc.yaml), tc.context)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		wantErr(t, err, append(tc.want, "bad.yaml")...)
	}
}

func TestCombineRPCURLs(t *testing.T) {
	got := CombineRPCURLs("http://a", []string{"http://b", "http://a", "", "http://c", "http://b"})
	if want := []string{"http://a", "http://b", "http://c"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := CombineRPCURLs("", []string{"http://b"}); !slices.Equal(got, []string{"http://b"}) {
		t.Errorf("empty first: %v", got)
	}
}
