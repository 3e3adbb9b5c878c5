//! Errors as they cross into the window: `{code, message}`, with a code the UI can
//! branch on and a message it can show as it is.

use restphone_phone::PhoneError;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    ServerUnreachable,
    WrongPassword,
    UserUnknown,
    /// The server said 409: the account exists, the call was answered elsewhere, ...
    Conflict,
    /// The input was refused as malformed or invalid.
    Invalid,
    NotPossible,
    NoSuchCall,
    /// The server refused for another reason, or answered something unexpected.
    Refused,
    /// A file of the app (settings, password, embedded server data) could not be used.
    Storage,
    NotSignedIn,
    Stopped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    pub fn storage(what: &str, error: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::Storage, format!("cannot {what}: {error}"))
    }
}

impl From<PhoneError> for AppError {
    fn from(error: PhoneError) -> Self {
        let code = match &error {
            PhoneError::ServerUnreachable { .. } => ErrorCode::ServerUnreachable,
            PhoneError::WrongPassword => ErrorCode::WrongPassword,
            PhoneError::UserUnknown(_) => ErrorCode::UserUnknown,
            PhoneError::NoSuchCall(_) => ErrorCode::NoSuchCall,
            PhoneError::Refused { status: 409, .. } => ErrorCode::Conflict,
            PhoneError::Refused { status: 400 | 422, .. } => ErrorCode::Invalid,
            PhoneError::Stopped => ErrorCode::Stopped,
            PhoneError::TakenElsewhere(_) | PhoneError::NotPossible(_) | PhoneError::RegistrationGone => ErrorCode::NotPossible,
            _ => ErrorCode::Refused,
        };
        // The server's own words read better than "the server refused: ...".
        let message = match error {
            PhoneError::Refused { detail, .. } => detail,
            other => other.to_string(),
        };
        Self { code, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_errors_keep_a_code_the_ui_can_branch_on() {
        let taken = AppError::from(PhoneError::Refused { status: 409, detail: "alice@example.com already has an account".into() });
        assert_eq!(taken, AppError::new(ErrorCode::Conflict, "alice@example.com already has an account"));
        assert_eq!(AppError::from(PhoneError::WrongPassword).code, ErrorCode::WrongPassword);
        let json = serde_json::to_value(AppError::from(PhoneError::Stopped)).unwrap();
        assert_eq!(json, serde_json::json!({ "code": "stopped", "message": "the phone has stopped" }));
    }
}
