//! System tests of restphone-server: a real server on loopback, driven over HTTP and
//! Server-Sent Events the way phones drive it.

mod accounts;
mod calls;
mod connections;
mod errors;
mod greetings;
mod history;
mod hosts;
mod limits;
mod messages;
mod push_channel;
mod registrations;
mod restart;
mod sign_in;
