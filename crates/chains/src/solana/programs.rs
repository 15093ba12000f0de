//! Program ids of the programs Accord builds and previews instructions for,
//! the builtins the runtime budgets 3 000 compute units for (SIMD-0170), the
//! signature-verification precompiles (their signatures are charged like
//! transaction signatures), and a small table of well-known mints.

use solana_pubkey::Pubkey;

/// The System program.
pub const SYSTEM_PROGRAM: Pubkey = Pubkey::from_str_const("11111111111111111111111111111111");
/// The SPL Token program.
pub const TOKEN_PROGRAM: Pubkey =
    Pubkey::from_str_const("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
/// The SPL Token-2022 program.
pub const TOKEN_2022_PROGRAM: Pubkey =
    Pubkey::from_str_const("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
/// The SPL Associated Token Account program.
pub const ASSOCIATED_TOKEN_PROGRAM: Pubkey =
    Pubkey::from_str_const("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");
/// The Compute Budget program.
pub const COMPUTE_BUDGET_PROGRAM: Pubkey =
    Pubkey::from_str_const("ComputeBudget111111111111111111111111111111");

/// Builtin (native, not migrated to sBPF) programs: without a
/// `SetComputeUnitLimit`, each of their instructions, Compute Budget ones
/// included, is budgeted 3 000 compute units instead of 200 000 (SIMD-0170,
/// active on mainnet). Stake, Config and Address Lookup Table are sBPF
/// programs now and count as 200 000.
pub const BUILTIN_PROGRAMS: [Pubkey; 8] = [
    SYSTEM_PROGRAM,
    COMPUTE_BUDGET_PROGRAM,
    Pubkey::from_str_const("Vote111111111111111111111111111111111111111"),
    Pubkey::from_str_const("BPFLoader1111111111111111111111111111111111"),
    Pubkey::from_str_const("BPFLoader2111111111111111111111111111111111"),
    Pubkey::from_str_const("BPFLoaderUpgradeab1e11111111111111111111111"),
    Pubkey::from_str_const("LoaderV411111111111111111111111111111111111"),
    Pubkey::from_str_const("ZkE1Gama1Proof11111111111111111111111111111"),
];

/// Signature-verification precompiles (Ed25519, secp256k1, secp256r1): the
/// first data byte of each of their instructions counts signatures that are
/// charged [`LAMPORTS_PER_SIGNATURE`](super::LAMPORTS_PER_SIGNATURE) each.
pub const PRECOMPILES: [Pubkey; 3] = [
    Pubkey::from_str_const("Ed25519SigVerify111111111111111111111111111"),
    Pubkey::from_str_const("KeccakSecp256k11111111111111111111111111111"),
    Pubkey::from_str_const("Secp256r1SigVerify1111111111111111111111111"),
];

/// Whether `program` is SPL Token or Token-2022.
pub fn is_token_program(program: &Pubkey) -> bool {
    *program == TOKEN_PROGRAM || *program == TOKEN_2022_PROGRAM
}

/// A well-known mint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownMint {
    /// The network it lives on (`mainnet` also matches `mainnet-beta`).
    pub network: &'static str,
    /// The mint address.
    pub mint: Pubkey,
    /// Its symbol.
    pub symbol: &'static str,
    /// Its decimals.
    pub decimals: u8,
}

/// Mints whose symbol the preview shows. Only the issuers hold the keys of
/// these addresses, so nobody else can create a mint there.
pub const KNOWN_MINTS: [KnownMint; 3] = [
    KnownMint {
        network: "mainnet",
        mint: Pubkey::from_str_const("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"),
        symbol: "USDC",
        decimals: 6,
    },
    KnownMint {
        network: "mainnet",
        mint: Pubkey::from_str_const("Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB"),
        symbol: "USDT",
        decimals: 6,
    },
    KnownMint {
        network: "devnet",
        mint: Pubkey::from_str_const("4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU"),
        symbol: "USDC",
        decimals: 6,
    },
];

/// The known mint `mint` on `network`, if any.
pub fn known_mint(network: &str, mint: &Pubkey) -> Option<&'static KnownMint> {
    let network = if network == "mainnet-beta" {
        "mainnet"
    } else {
        network
    };
    KNOWN_MINTS
        .iter()
        .find(|k| k.network == network && k.mint == *mint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_what_they_say() {
        assert_eq!(SYSTEM_PROGRAM.to_bytes(), [0u8; 32]);
        assert_eq!(
            TOKEN_PROGRAM.to_string(),
            "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
        );
        assert_eq!(
            solana_system_interface::program::ID.to_bytes(),
            SYSTEM_PROGRAM.to_bytes()
        );
    }

    #[test]
    fn known_mints_by_network() {
        let usdc = Pubkey::from_str_const("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
        assert_eq!(
            known_mint("mainnet-beta", &usdc).map(|k| k.symbol),
            Some("USDC")
        );
        assert_eq!(known_mint("mainnet", &usdc).map(|k| k.decimals), Some(6));
        assert_eq!(known_mint("devnet", &usdc), None);
        assert_eq!(known_mint("mainnet", &TOKEN_PROGRAM), None);
    }
}
