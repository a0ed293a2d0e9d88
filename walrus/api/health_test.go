package api

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestServiceHealthJSON checks the exact JSON of a health report against
// the shape of Walrus's ServiceHealthInfo: a serde Duration, an event
// progress whose highestFinishedEventIndex is null before the first event,
// shard statuses in camelCase, shardDetail only when asked for.
func TestServiceHealthJSON(t *testing.T) {
	owned := []ShardHealth{{0, ShardReady}, {3, ShardInTransfer}, {5, ShardInRecovery}, {7, ShardUnknown}}
	other := []ShardHealth{{4, ShardReadOnly}}
	h := ServiceHealth{
		Uptime: NewUptime(90*time.Second + 5*time.Millisecond), Epoch: 7, PublicKey: "pk", NodeStatus: NodeStatusActive,
		ShardSummary: SummarizeShards(owned, other),
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"uptime":{"secs":90,"nanos":5000000},"epoch":7,"publicKey":"pk","nodeStatus":"Active",` +
		`"eventProgress":{"persisted":0,"pending":0,"highestFinishedEventIndex":null},` +
		`"shardSummary":{"owned":4,"ownedShardStatus":{"unknown":1,"ready":1,"inTransfer":1,"inRecovery":1},"readOnly":1}}`
	if string(b) != want {
		t.Errorf("health JSON\n got %s\nwant %s", b, want)
	}
	last := uint64(41)
	h.EventProgress = EventProgress{Persisted: 42, Pending: 3, HighestFinishedEventIndex: &last}
	h.ShardDetail = &ShardDetail{Owned: owned, Other: other}
	b, err = json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"eventProgress": `{"persisted":42,"pending":3,"highestFinishedEventIndex":41}`,
		"shardDetail": `{"owned":[{"shard":0,"status":"ready"},{"shard":3,"status":"inTransfer"},{"shard":5,"status":"inRecovery"},{"shard":7,"status":"unknown"}],` +
			`"other":[{"shard":4,"status":"readOnly"}]}`,
	} {
		if string(raw[key]) != want {
			t.Errorf("%s\n got %s\nwant %s", key, raw[key], want)
		}
	}
	var back ServiceHealth
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, h) {
		t.Errorf("read back %+v (%v), want %+v", back, err, h)
	}
}

// TestServiceHealthFromOtherNodes reads health as a Walrus node writes it
// (with fields walrusfs does not use) and as walrusfs's older nodes wrote
// it (uptime in seconds, no progress), and refuses uptimes that are none.
func TestServiceHealthFromOtherNodes(t *testing.T) {
	walrus := `{"uptime":{"secs":3,"nanos":250},"epoch":2,"publicKey":"k","nodeStatus":"RecoveryInProgress (2)",` +
		`"eventProgress":{"persisted":10,"pending":1,"highestFinishedEventIndex":9},` +
		`"shardSummary":{"owned":1,"ownedShardStatus":{"unknown":0,"ready":0,"inTransfer":0,"inRecovery":1},"readOnly":0},` +
		`"latestCheckpointSequenceNumber":12345}`
	var h ServiceHealth
	if err := json.Unmarshal([]byte(walrus), &h); err != nil {
		t.Fatal(err)
	}
	if h.Uptime.Duration() != 3*time.Second+250 || h.EventProgress.HighestFinishedEventIndex == nil || *h.EventProgress.HighestFinishedEventIndex != 9 ||
		h.ShardSummary.OwnedShardStatus.InRecovery != 1 {
		t.Errorf("Walrus's health read as %+v", h)
	}
	older := `{"uptime":12.5,"epoch":1,"publicKey":"k","nodeStatus":"Active","shards":3}`
	if err := json.Unmarshal([]byte(older), &h); err != nil || h.Uptime.Duration() != 12500*time.Millisecond {
		t.Errorf("an older node's health: %+v %v", h, err)
	}
	for _, bad := range []string{`-1`, `"5s"`, `{"secs":1}`, `{"secs":1,"nanos":1000000000}`, `{}`} {
		var u Uptime
		if err := json.Unmarshal([]byte(bad), &u); err == nil {
			t.Errorf("uptime %s read as %+v", bad, u)
		}
	}
}
