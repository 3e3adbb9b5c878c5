//! What can go wrong, in words a user can read.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhoneError {
    #[error("the server at {server} cannot be reached: {reason}")]
    ServerUnreachable { server: String, reason: String },
    #[error("cannot connect securely to {server}: {reason}")]
    Insecure { server: String, reason: String },
    #[error("wrong email or password")]
    WrongPassword,
    #[error("there is no user {0}")]
    UserUnknown(String),
    #[error("{0}")]
    TakenElsewhere(String),
    #[error("this device's registration lapsed on the server")]
    RegistrationGone,
    #[error("there is no call {0}")]
    NoSuchCall(String),
    #[error("{0}")]
    NotPossible(String),
    #[error("the server refused: {detail}")]
    Refused { status: u16, detail: String },
    #[error("the server answered something unexpected: {0}")]
    Protocol(String),
    #[error("the phone has stopped")]
    Stopped,
}
