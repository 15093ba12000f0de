//! One module per command.

pub mod address;
pub mod preview;
