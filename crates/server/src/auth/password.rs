//! argon2id password hashes, computed on a few dedicated threads that each keep
//! their own working memory.
//!
//! Each hash needs about 19 MiB and tens of milliseconds by design. Allocating that
//! per hash on tokio's blocking threads left hundreds of megabytes resident after a
//! burst of sign-ins (the allocator keeps freed blocks per thread arena); reusing one
//! buffer per worker keeps the server's memory flat, and the worker count (one per
//! core) bounds the CPU that sign-ins can take. The queue in front of them is bounded
//! too: a flood of sign-ins is answered 429 at once instead of waiting in memory.

use std::sync::{Arc, Mutex, OnceLock, mpsc};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, Version};
use tokio::sync::oneshot;

use crate::error::ApiError;

enum Job {
    Hash { password: String, reply: oneshot::Sender<Result<String, ApiError>> },
    Verify { password: String, stored_hash: String, reply: oneshot::Sender<Result<bool, ApiError>> },
}

/// Hashes waiting for a thread; more are refused.
const QUEUE: usize = 64;

fn workers() -> &'static mpsc::SyncSender<Job> {
    static JOBS: OnceLock<mpsc::SyncSender<Job>> = OnceLock::new();
    JOBS.get_or_init(|| {
        let (jobs, inbox) = mpsc::sync_channel::<Job>(QUEUE);
        let inbox = Arc::new(Mutex::new(inbox));
        for n in 0..std::thread::available_parallelism().map_or(2, |n| n.get()) {
            let inbox = inbox.clone();
            std::thread::Builder::new().name(format!("argon2-{n}")).spawn(move || work(&inbox)).expect("a hashing thread starts");
        }
        jobs
    })
}

fn work(inbox: &Mutex<mpsc::Receiver<Job>>) {
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let job = match inbox.lock().expect("hashing inbox").recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        match job {
            Job::Hash { password, reply } => {
                let _ = reply.send(hash_with(&mut memory, &password));
            }
            Job::Verify { password, stored_hash, reply } => {
                let _ = reply.send(verify_with(&mut memory, &password, &stored_hash));
            }
        }
    }
}

/// Computes the raw argon2id output for `params` into `out`, reusing `memory`.
fn compute(memory: &mut Vec<Block>, params: Params, password: &str, salt: &[u8], out: &mut [u8]) -> Result<(), ApiError> {
    memory.resize(params.block_count(), Block::default());
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..])
        .map_err(ApiError::internal)
}

fn hash_with(memory: &mut Vec<Block>, password: &str) -> Result<String, ApiError> {
    let params = Params::default();
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(ApiError::internal)?;
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(memory, params.clone(), password, salt_bytes, &mut output)?;
    let hash = PasswordHash {
        algorithm: ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(ApiError::internal)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output).map_err(ApiError::internal)?),
    };
    Ok(hash.to_string())
}

fn verify_with(memory: &mut Vec<Block>, password: &str, stored_hash: &str) -> Result<bool, ApiError> {
    let parsed = PasswordHash::new(stored_hash).map_err(ApiError::internal)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(ApiError::internal("a stored password hash has no salt or output"));
    };
    let params = Params::try_from(&parsed).map_err(ApiError::internal)?;
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(ApiError::internal)?;
    let mut output = vec![0u8; expected.len()];
    compute(memory, params, password, salt_bytes, &mut output)?;
    // Output's equality is constant-time.
    Ok(Output::new(&output).map_err(ApiError::internal)? == expected)
}

async fn submit<T>(job: impl FnOnce(oneshot::Sender<Result<T, ApiError>>) -> Job) -> Result<T, ApiError> {
    let (reply, result) = oneshot::channel();
    workers().try_send(job(reply)).map_err(|error| match error {
        mpsc::TrySendError::Full(_) => ApiError::too_many("the server is busy checking passwords", 1),
        mpsc::TrySendError::Disconnected(_) => ApiError::internal("the hashing threads stopped"),
    })?;
    result.await.map_err(|_| ApiError::internal("a hashing thread failed"))?
}

pub async fn hash(password: String) -> Result<String, ApiError> {
    submit(|reply| Job::Hash { password, reply }).await
}

pub async fn verify(password: String, stored_hash: String) -> Result<bool, ApiError> {
    submit(|reply| Job::Verify { password, stored_hash, reply }).await
}

/// A hash to verify against when the account does not exist, so that a wrong email
/// takes as long as a wrong password and does not reveal which accounts exist.
pub fn decoy() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::encode_b64(b"restphone-decoy!").expect("a 16-byte salt encodes");
        argon2::PasswordHasher::hash_password(&Argon2::default(), b"no such account", &salt).expect("argon2 hashes").to_string()
    })
}

#[cfg(test)]
mod tests {
    use argon2::PasswordVerifier;

    use super::*;

    #[tokio::test]
    async fn hashes_are_standard_argon2id_and_verify() {
        let stored = hash("correct horse".to_owned()).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        // Any argon2 implementation reads what we write, and we read what it writes.
        let parsed = PasswordHash::new(&stored).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse", &parsed).is_ok());
        assert!(verify("correct horse".to_owned(), stored.clone()).await.unwrap());
        assert!(!verify("wrong horse".to_owned(), stored).await.unwrap());
        assert!(verify("no such account".to_owned(), decoy().to_owned()).await.unwrap());
    }
}
