//! restphone's audio. Architecture invariant: everything with a clock takes `now`; nothing here reads the system clock. (For now: the jitter buffer.)
#![forbid(unsafe_code)]

pub mod jitter;
