//! solana (in progress)
