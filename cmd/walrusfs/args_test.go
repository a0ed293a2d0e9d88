package main

import (
	"slices"
	"testing"
)

func TestProtectBlobIDs(t *testing.T) {
	const dash = "-_rutw4JbnItb0CucP9hqBUvOHZL6LPaQoP5EMKXyYo"
	const plain = "XMGyLbTt3Qjk9Gw4RrffPcuU45d0SLiRWNdRESjISAE"
	for _, c := range []struct{ in, want []string }{
		{[]string{"read", "--network", "n.yaml", dash, "-o", "out"}, []string{"read", "--network", "n.yaml", "-o", "out", "--", dash}},
		{[]string{"--log-format", "json", "blob-status", dash, "--json"}, []string{"--log-format", "json", "blob-status", "--json", "--", dash}},
		{[]string{"read", "-o", dash, plain}, []string{"read", "-o", dash, plain}}, // a file named like a blob ID
		{[]string{"read", "--network", "n.yaml", plain}, []string{"read", "--network", "n.yaml", plain}},
		{[]string{"read", "--", dash}, []string{"read", "--", dash}},
		{[]string{"read", dash, "--", "x"}, []string{"read", "--", dash, "x"}},
		{[]string{"store", dash}, []string{"store", dash}},
		{[]string{"--", "read", dash}, []string{"--", "read", dash}},
		{nil, nil},
	} {
		if got := protectBlobIDs(c.in); !slices.Equal(got, c.want) {
			t.Errorf("protectBlobIDs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseRange(t *testing.T) {
	for _, c := range []struct {
		in       string
		off, len uint64
		ok       bool
	}{
		{"0:10", 0, 10, true},
		{"1024:4096", 1024, 4096, true},
		{"5", 0, 0, false},
		{"a:1", 0, 0, false},
		{"1:-1", 0, 0, false},
		{"18446744073709551615:1", 0, 0, false},
	} {
		off, n, err := parseRange(c.in)
		if (err == nil) != c.ok || off != c.off || n != c.len {
			t.Errorf("parseRange(%q) = %d, %d, %v", c.in, off, n, err)
		}
	}
}

func TestExitStatus(t *testing.T) {
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"nope"}, exitUsage},
		{[]string{"blob-id"}, exitUsage},
		{[]string{"read", "--network", "/nonexistent.yaml", "--range", "x", "XMGyLbTt3Qjk9Gw4RrffPcuU45d0SLiRWNdRESjISAE"}, exitUsage},
		{[]string{"read", "--network", "/nonexistent.yaml", "XMGyLbTt3Qjk9Gw4RrffPcuU45d0SLiRWNdRESjISAE"}, exitFailure},
		{[]string{"blob-status", "--network", "/nonexistent.yaml", "-_rutw4JbnItb0CucP9hqBUvOHZL6LPaQoP5EMKXyYo"}, exitFailure},
		{[]string{"devnet", "--dir", t.TempDir(), "--nodes", "0"}, exitUsage},
		{[]string{"--help"}, exitOK},
	} {
		if got := run(c.args); got != c.want {
			t.Errorf("walrusfs %q: exit status %d, want %d", c.args, got, c.want)
		}
	}
}

func TestSizeFlag(t *testing.T) {
	for in, want := range map[string]int64{
		"4096": 4096, "256M": 256 << 20, "256m": 256 << 20, "20G": 20 << 30, "1.5G": 3 << 29,
		"64MiB": 64 << 20, "1KB": 1024, "2T": 2 << 40, "0": 0, " 8k ": 8 << 10,
	} {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "M", "-1G", "12X", "1e400", "9000P"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
	for _, n := range []int64{0, 1, 1000, 4096, 256 << 20, 3 << 29, 5<<40 + 1} {
		if got, err := parseSize(formatSize(n)); err != nil || got != n {
			t.Errorf("formatSize(%d) = %q reads back as %d, %v", n, formatSize(n), got, err)
		}
	}
}

func TestMountOptions(t *testing.T) {
	g := &globals{}
	cmd := newMountCmd(g)
	flags := cmd.Flags()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(flags.Parse([]string{"--name", "given", "-o", "allow_other,ro,cache_size=20G,nodev,x-systemd.automount", "-o", "name=photos,drain_timeout=30s,attr_timeout=5s,uid=1000,gid=100,umask=027,write_back=1s"}))
	var opts []string
	opts, _ = flags.GetStringArray("option")
	must(applyMountOptions(flags, opts))
	for name, want := range map[string]string{"allow-other": "true", "read-only": "true", "cache-size": "20G", "name": "given", "drain-timeout": "30s", "attr-timeout": "5s",
		"uid": "1000", "gid": "100", "umask": "027", "write-back": "1s"} {
		if got := flags.Lookup(name).Value.String(); got != want {
			t.Errorf("--%s = %q, want %q", name, got, want)
		}
	}
	for _, bad := range []string{"no_such_option", "cache_size", "cache_size=12X", "option=x", "umask=999", "umask=1777", "uid=abc"} {
		cmd := newMountCmd(g)
		if err := applyMountOptions(cmd.Flags(), []string{bad}); err == nil {
			t.Errorf("-o %s accepted", bad)
		}
	}
}
