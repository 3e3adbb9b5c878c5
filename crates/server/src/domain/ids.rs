//! Random identifiers for calls, participants, devices, messages and tokens.

use rand::Rng;

const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyz23456789";

/// A short id of URL-safe characters; 12 characters give about 60 bits.
pub fn new_id() -> String {
    let mut rng = rand::thread_rng();
    (0..12).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// A bearer token: 256 random bits, base64url.
pub fn new_token() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::thread_rng().r#gen();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `id` could be one of ours; anything else is unknown without a lookup.
pub fn looks_like_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| ALPHABET.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_well_formed_and_distinct() {
        let a = new_id();
        assert!(looks_like_id(&a));
        assert_ne!(a, new_id());
        assert!(!looks_like_id("../../etc"));
        assert_eq!(new_token().len(), 43);
    }
}
