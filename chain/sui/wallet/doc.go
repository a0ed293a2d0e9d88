// Package wallet reads the configuration Walrus and Sui users already have,
// and writes the same files for a local devnet.
//
// Terms:
//
//   - Client config: the walrus CLI's client_config.yaml. It names the
//     Walrus System and Staking objects, optional tuning (n_shards,
//     max_epochs_ahead), extra Sui RPC URLs and where the wallet is. It has a
//     single-context form (those keys at the top level) and a multi-context
//     form (contexts: {NAME: ...} with default_context: NAME).
//   - Wallet: the Sui CLI's client.yaml (envs, active_env, active_address and
//     the path of the keystore), its sui.keystore (the secrets) and
//     sui.aliases (names of the keys).
//   - Environment: the working directory, HOME, XDG_CONFIG_HOME and
//     SUI_CONFIG_DIR, which decide where the files are looked for.
//   - Setup: the resolved result, what the rest of walrusfs needs to talk to
//     Sui: object IDs, RPC URLs and a signer.
//
// Decisions that are easy to break by accident:
//
//   - Search paths and precedence follow the walrus CLI's code, not its help
//     text: client_config.yaml is looked for in ./, $XDG_CONFIG_HOME/ (the
//     file directly in it, no walrus/ subdirectory), ~/.config/walrus/ and
//     ~/.walrus/; the wallet in ./sui_config.yaml, then the Sui config
//     directory ($SUI_CONFIG_DIR, else ~/.sui/sui_config/).
//   - Relative paths inside the files are relative to the working directory,
//     not to the file that names them, as the Rust CLIs read them. Only
//     wallet_config paths get ~/ expanded; the keystore path is used as given.
//   - Unknown keys are ignored, as serde does without deny_unknown_fields, so
//     older and newer files (e.g. the retired subsidies_object) still load.
//   - A file that has system_object, or lacks contexts, is read in the
//     single-context form; serde tries that form first.
//   - Secrets never leave the Key type: it prints redacted, and no error
//     message quotes a keystore entry.
//   - Only Ed25519 keys sign. secp256k1 and secp256r1 keys are listed (the
//     latter with their address), and choosing one to sign is an error.
package wallet
