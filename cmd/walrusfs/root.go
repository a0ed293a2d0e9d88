package main

import (
	"github.com/spf13/cobra"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "walrusfs",
		Short: "A folder whose files live on Walrus",
		Long: `walrusfs keeps files as Walrus blobs: erasure-coded (Red Stuff) slivers spread
over a committee of storage nodes, readable while up to a third of them fail.

Exit status: 0 on success, 1 when the command (or one of its files) failed,
2 on a usage error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newBlobIDCmd())
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
