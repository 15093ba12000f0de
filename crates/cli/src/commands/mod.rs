//! One module per command (group).

pub mod address;
pub mod audit;
pub mod backup;
pub mod cosigner;
pub mod delayed;
pub mod device;
pub mod endpoints;
pub mod policy;
pub mod preview;
pub mod proposals;
pub mod proposers;
pub mod send;
pub mod sign;
pub mod wallet;
