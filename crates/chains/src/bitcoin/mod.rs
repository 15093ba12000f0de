//! bitcoin (in progress)
