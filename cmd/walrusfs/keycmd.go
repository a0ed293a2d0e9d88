package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/crypt/mountkeys"
)

// newKeyCmd manages the identity that mounts encrypt to.
func newKeyCmd() *cobra.Command {
	var state string
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Show, back up, restore and share the identity your mounts encrypt to",
		Long: `Mounts encrypt every file and the tree to your identity, an age key kept in
STATE/keys/identity.txt (mode 0600) and created by the first mount. Losing it
loses the data: "walrusfs key export --passphrase" prints a copy protected by
a passphrase, which "walrusfs key import" (or plain "age -d") opens on
another machine. "walrusfs key add-recipient" lets a second identity (a
backup key, another machine's) open what is stored from then on.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error { return usageError{errors.New("name a key command")} },
	}
	cmd.PersistentFlags().StringVar(&state, "state", "", "state directory (default $XDG_DATA_HOME/walrusfs)")
	keysDir := func() (string, error) {
		if state == "" {
			var err error
			if state, err = defaultStateDir(); err != nil {
				return "", err
			}
		}
		return filepath.Join(state, mountkeys.DirName), nil
	}
	load := func() (*crypt.Keyring, error) {
		dir, err := keysDir()
		if err != nil {
			return nil, err
		}
		k, err := crypt.LoadKeyring(dir)
		if errors.Is(err, crypt.ErrNoKeyring) {
			return nil, fmt.Errorf("%w: a first mount creates it, or \"walrusfs key import\" brings one", err)
		}
		return k, err
	}

	show := &cobra.Command{
		Use:   "show",
		Short: "Print the identity's public key and the recipients everything is encrypted to",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := load()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "identity    %s\n", filepath.Join(k.Dir, crypt.IdentityFile))
			fmt.Fprintf(out, "public key  %s\n", k.Public)
			for _, r := range k.RecipientStrings()[1:] {
				fmt.Fprintf(out, "also to     %s\n", r)
			}
			return nil
		},
	}

	var protect bool
	export := &cobra.Command{
		Use:   "export [--passphrase]",
		Short: "Print the identity, to back it up; with --passphrase, encrypted with one",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := load()
			if err != nil {
				return err
			}
			pass := ""
			if protect {
				if pass, err = readPassphrase(cmd, true); err != nil {
					return err
				}
			}
			b, err := k.Export(pass)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	export.Flags().BoolVar(&protect, "passphrase", false, "encrypt the copy with a passphrase (age's scrypt), asked on the terminal or read from standard input")

	importCmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Make an exported identity this machine's (asking its passphrase if it has one)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := keysDir()
			if err != nil {
				return err
			}
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			pass := ""
			if crypt.Protected(b) {
				if pass, err = readPassphrase(cmd, false); err != nil {
					return err
				}
			}
			k, err := crypt.ImportKeyring(dir, b, pass)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "imported %s into %s\n", k.Public, dir)
			return nil
		},
	}

	addRecipient := &cobra.Command{
		Use:   "add-recipient RECIPIENT",
		Short: "Let another identity open what is stored from now on",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := load()
			if err != nil {
				return err
			}
			if err := k.AddRecipient(args[0]); err != nil {
				return usageError{err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "what is stored from now on opens with %s too\n", strings.TrimSpace(args[0]))
			return nil
		},
	}
	cmd.AddCommand(show, export, importCmd, addRecipient)
	return cmd
}

// readPassphrase asks for a passphrase on the terminal (twice when
// choosing one), or reads the first line of standard input.
func readPassphrase(cmd *cobra.Command, choose bool) (string, error) {
	if !isTerminal(os.Stdin) {
		line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		if line = strings.TrimRight(line, "\r\n"); line == "" {
			return "", errors.New("no passphrase on standard input")
		}
		return line, nil
	}
	errOut := cmd.ErrOrStderr()
	fmt.Fprint(errOut, "passphrase: ")
	a, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(errOut)
	if err != nil {
		return "", err
	}
	if len(a) == 0 {
		return "", errors.New("empty passphrase")
	}
	if choose {
		fmt.Fprint(errOut, "again: ")
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(errOut)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the passphrases differ")
		}
	}
	return string(a), nil
}
