//! The engine's decisions as plain functions on plain data. Architecture invariant: no I/O
//! and no clock here; the shell passes `now`.

pub mod appearance;
pub mod calls;
pub mod identity;
pub mod registration;

#[cfg(test)]
mod testing;
