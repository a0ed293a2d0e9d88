package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/mountstatus"
)

func newStatusCmd(g *globals) *cobra.Command {
	var (
		state  string
		asJSON bool
		watch  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "status [--state DIR] [--json] [--watch INTERVAL]",
		Short: "Show the running mounts: upload queue, cache use and network health",
		Long: `status asks each running mount of the state directory (default
$XDG_DATA_HOME/walrusfs) through its unix socket for its upload queue (files,
bytes, the upload in progress, errors with their reasons), its cache use and
the health of the network's nodes.

--watch refreshes the view every INTERVAL (such as 2s); --json prints one
JSON array of the mounts' status instead.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if state == "" {
				var err error
				if state, err = defaultStateDir(); err != nil {
					return err
				}
			}
			for {
				all, err := mountstatus.Collect(cmd.Context(), state)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				if asJSON {
					enc := json.NewEncoder(out)
					enc.SetIndent("", "  ")
					if err := enc.Encode(all); err != nil {
						return err
					}
				} else {
					if watch > 0 {
						fmt.Fprint(out, "\033[H\033[2J")
					}
					mountstatus.Print(out, state, all)
				}
				if watch <= 0 {
					return nil
				}
				select {
				case <-cmd.Context().Done():
					return nil
				case <-time.After(watch):
				}
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&state, "state", "", "state directory (default $XDG_DATA_HOME/walrusfs)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.DurationVar(&watch, "watch", 0, "refresh every interval, such as 2s")
	return cmd
}
