//! The command line's one error type: every failure is one line.

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A chain name that is not known.
    #[error(transparent)]
    Chain(#[from] accord_chains::UnknownChain),
    /// A Bitcoin network name that is not known.
    #[error(transparent)]
    Network(#[from] accord_chains::bitcoin::UnknownNetwork),
    /// Bad input text or file.
    #[error("{0}")]
    Input(String),
    /// A key or address the chain refuses.
    #[error("{0}")]
    Address(String),
    /// A transaction that cannot be previewed.
    #[error("cannot preview: {0}")]
    Preview(String),
}

impl CliError {
    /// Wraps any error as one line.
    pub fn address(e: impl std::fmt::Display) -> Self {
        CliError::Address(one_line(e))
    }

    /// Wraps any error as one line.
    pub fn preview(e: impl std::fmt::Display) -> Self {
        CliError::Preview(one_line(e))
    }
}

/// `e` on one line.
pub fn one_line(e: impl std::fmt::Display) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
