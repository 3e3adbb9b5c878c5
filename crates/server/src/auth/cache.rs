//! In-memory caches of who a token or a verified email and password belong to.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::User;

/// A token seen recently: its user, and when its use was last written to the store.
struct KnownToken {
    user: User,
    last_used: i64,
}

#[derive(Default)]
pub struct CredentialCache {
    /// Token hash → user. Tokens live until revoked or unused for the configured time.
    tokens: Mutex<HashMap<String, KnownToken>>,
    /// Digest of email and password → user, until the instant given.
    passwords: Mutex<HashMap<String, (User, Instant)>>,
}

/// How long a verified email and password are trusted without argon2 again.
const PASSWORD_TTL: Duration = Duration::from_secs(60);

/// What the cache knows of a token at `now`.
pub enum TokenUse {
    Unknown,
    /// Valid; `touch` says the store's last use is stale enough to write again.
    Valid {
        user: User,
        touch: bool,
    },
}

impl CredentialCache {
    /// A token unused for `idle_limit` ms is forgotten (the store refuses it too); its
    /// last use is written at most every `idle_limit / 30`, so refreshes stay writes-free.
    pub fn token(&self, token_hash: &str, now: i64, idle_limit: i64) -> TokenUse {
        let mut tokens = self.tokens.lock().expect("cache lock");
        let Some(known) = tokens.get_mut(token_hash) else { return TokenUse::Unknown };
        let idle = now - known.last_used;
        if idle >= idle_limit {
            tokens.remove(token_hash);
            return TokenUse::Unknown;
        }
        let touch = idle >= idle_limit / 30;
        if touch {
            known.last_used = now;
        }
        TokenUse::Valid { user: known.user.clone(), touch }
    }

    pub fn remember_token(&self, token_hash: String, user: User, last_used: i64) {
        self.tokens.lock().expect("cache lock").insert(token_hash, KnownToken { user, last_used });
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

    /// When revocations may have been missed: everything is verified again on next use.
    pub fn forget_all(&self) {
        self.tokens.lock().expect("cache lock").clear();
        self.passwords.lock().expect("cache lock").clear();
    }

    /// After a password change, a rename or an account deletion.
    pub fn forget_user(&self, user_id: i64) {
        self.tokens.lock().expect("cache lock").retain(|_, known| known.user.id != user_id);
        self.passwords.lock().expect("cache lock").retain(|_, (user, _)| user.id != user_id);
    }
}
