//! Password and secret-token hashing.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Hashes a password with argon2id and a random salt.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

/// Whether the password matches the stored hash (false for a malformed hash).
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash that matches no password, verified against when an account does not exist so that
/// a wrong e-mail takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("no account has this password").unwrap_or_default())
}

/// A fresh random token (256 bits), URL-safe.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The form a secret token is stored in: its SHA-256, in hex. Tokens are random and long, so
/// a fast hash is enough and lets the database look them up by value.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks a new password's strength; returns the reason it is refused.
pub fn weak(password: &str) -> Option<crate::error::Text> {
    let n = password.chars().count();
    if n < 8 {
        Some(crate::error::Text::new(
            "パスワードは8文字以上にしてください。",
            "Use at least 8 characters for the password.",
        ))
    } else if n > 200 {
        Some(crate::error::Text::new(
            "パスワードは200文字以内にしてください。",
            "Use at most 200 characters for the password.",
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let h = hash("correct horse").unwrap();
        assert!(verify("correct horse", &h));
        assert!(!verify("wrong horse", &h));
        assert!(!verify("correct horse", "not a hash"));
        assert!(!verify("anything", dummy_hash()));
    }

    #[test]
    fn tokens_are_unique_and_hash_stably() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(a.len(), 43);
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert!(weak("short").is_some());
        assert!(weak("long enough").is_none());
        assert!(weak(&"x".repeat(201)).is_some());
    }
}
