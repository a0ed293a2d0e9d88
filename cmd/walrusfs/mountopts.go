package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// Mount options (-o opt[,opt=value]...) as mount(8), fstab and rclone
// users write them. Each names a flag of the mount command, with "_" for
// "-" (cache_size=20G is --cache-size 20G, allow_other is --allow-other);
// a few are mount(8)'s own words. Options for the kernel that walrusfs
// always sets, or that mount(8) passes along, are accepted and ignored.
var (
	mountOptionAliases = map[string]string{
		"ro":          "read-only",
		"allow_other": "allow-other",
	}
	mountOptionsIgnored = map[string]bool{
		"rw": true, "dev": true, "nodev": true, "suid": true, "nosuid": true, "exec": true, "noexec": true,
		"auto": true, "noauto": true, "user": true, "nouser": true, "users": true, "_netdev": true, "nofail": true,
		"default_permissions": true, "defaults": true,
	}
)

// applyMountOptions sets the flags that -o options name; flags given
// outright win over options, as with rclone.
func applyMountOptions(flags *pflag.FlagSet, opts []string) error {
	for _, group := range opts {
		for _, opt := range strings.Split(group, ",") {
			opt = strings.TrimSpace(opt)
			if opt == "" || mountOptionsIgnored[opt] || strings.HasPrefix(opt, "x-") {
				continue
			}
			key, value, hasValue := strings.Cut(opt, "=")
			name, ok := mountOptionAliases[key]
			if !ok {
				name = strings.ReplaceAll(key, "_", "-")
			}
			f := flags.Lookup(name)
			if f == nil || name == "option" {
				return usageError{fmt.Errorf("-o %s: no such mount option (options are the mount flags, with _ for -: cache_size=20G, allow_other, ro)", opt)}
			}
			if f.Changed {
				continue
			}
			if !hasValue {
				if f.Value.Type() != "bool" {
					return usageError{fmt.Errorf("-o %s: the option needs a value (%s=…)", opt, key)}
				}
				value = "true"
			}
			if err := flags.Set(name, value); err != nil {
				return usageError{fmt.Errorf("-o %s: %w", opt, err)}
			}
		}
	}
	return nil
}
