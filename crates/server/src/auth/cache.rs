//! In-memory caches of who a token or a verified email and password belong to.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::User;

#[derive(Default)]
pub struct CredentialCache {
    /// Token hash → user. Tokens live until `DELETE /session` or a password change.
    tokens: Mutex<HashMap<String, User>>,
    /// Digest of email and password → user, until the instant given.
    passwords: Mutex<HashMap<String, (User, Instant)>>,
}

/// How long a verified email and password are trusted without argon2 again.
const PASSWORD_TTL: Duration = Duration::from_secs(60);

impl CredentialCache {
    pub fn token(&self, token_hash: &str) -> Option<User> {
        self.tokens.lock().expect("cache lock").get(token_hash).cloned()
    }

    pub fn remember_token(&self, token_hash: String, user: User) {
        self.tokens.lock().expect("cache lock").insert(token_hash, user);
    }

    pub fn password(&self, key: &str, now: Instant) -> Option<User> {
        let passwords = self.passwords.lock().expect("cache lock");
        passwords.get(key).filter(|(_, until)| *until > now).map(|(user, _)| user.clone())
    }

    pub fn remember_password(&self, key: String, user: User, now: Instant) {
        let mut passwords = self.passwords.lock().expect("cache lock");
        passwords.retain(|_, (_, until)| *until > now);
        passwords.insert(key, (user, now + PASSWORD_TTL));
    }

    pub fn forget_token(&self, token_hash: &str) {
        self.tokens.lock().expect("cache lock").remove(token_hash);
    }

    /// After a password change, a rename or an account deletion.
    pub fn forget_user(&self, user_id: i64) {
        self.tokens.lock().expect("cache lock").retain(|_, user| user.id != user_id);
        self.passwords.lock().expect("cache lock").retain(|_, (user, _)| user.id != user_id);
    }
}
