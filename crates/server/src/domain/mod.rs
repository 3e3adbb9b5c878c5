//! The server's decisions as plain functions on plain data: no I/O, no clock (every
//! function that needs the time takes `now` in milliseconds since the epoch).

pub mod call;
pub mod history;
pub mod ids;
pub mod validate;
