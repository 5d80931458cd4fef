//! What the integration tests share. Each test binary uses part of it.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]

pub mod python;
