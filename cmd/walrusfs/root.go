package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newRootCmd(prof *profiles) *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "walrusfs",
		Short: "A folder whose files live on Walrus",
		Long: `walrusfs keeps files as Walrus blobs: erasure-coded (Red Stuff) slivers spread
over a committee of storage nodes, readable while up to a third of them fail.

"walrusfs mount" serves the file system on ~/walrus: files copied in are
uploaded as blobs in the background, and read back lazily. Without
--config or --network it runs on a network embedded in the process. With
--config client_config.yaml (Walrus's own client configuration, and the Sui
wallet it names) it uses Walrus on Sui: Testnet, Mainnet, or a "walrusfs
devnet", which runs a network of separate node processes and presents it as
Sui. "walrusfs store", "read", "blob-status" and "info" use a network
directly, and "walrusfs serve" serves Walrus's aggregator and publisher HTTP
API over it; "walrusfs status" shows what running mounts are doing, and
"walrusfs warmup" fetches files of a mount into its caches ahead of use.

Logs go to standard error, as text or JSON (--log-format). Daemons (mount,
devnet, node, serve) log at info level by default, the other commands only
warnings.

Exit status: 0 on success, 1 when the command (or one of its files) failed,
2 on a usage error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
		// Runnable, so that an unknown command is a usage error.
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("unknown command %q for %q (see %q)", args[0], cmd.CommandPath(), "walrusfs --help")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(cmd.ErrOrStderr())
			_ = cmd.Help()
			return usageError{fmt.Errorf("no command given")}
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	g.addFlags(root)
	prof.addFlags(root)
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return prof.start() }
	root.AddCommand(
		newBlobIDCmd(),
		newDevnetCmd(g),
		newNodeCmd(g),
		newStoreCmd(g),
		newReadCmd(g),
		newServeCmd(g),
		newBlobStatusCmd(g),
		newMountCmd(g),
		newUmountCmd(),
		newStatusCmd(g),
		newWarmupCmd(),
		newInfoCmd(g),
		newListBlobsCmd(g),
		newExtendCmd(g),
		newDeleteCmd(g),
		newKeyCmd(),
	)
	return root
}

// exactArgs and minArgs wrap cobra's checks so that they exit with the usage status.
func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.MinimumNArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}
