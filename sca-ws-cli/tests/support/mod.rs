//! Helpers shared by the tests of the binaries.
#![allow(dead_code, unreachable_pub)]

pub mod http;
pub mod pki;
pub mod process;
pub mod raw_terminal;
