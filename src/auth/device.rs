//! The device cookie (OWASP's lockout defence): a browser that once signed in to an account
//! carries a signed token for it, and its logins are limited per device instead of by the
//! account-wide limit that a guesser with many addresses can spend.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The device cookie's name.
pub const DEVICE_COOKIE: &str = "kado_device";
/// How long a browser stays known after its last sign-in.
pub const DEVICE_SECS: i64 = 365 * 24 * 3600;

fn mac(secret: &[u8], person_id: i64, nonce: &str) -> Option<Hmac<Sha256>> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    m.update(format!("kado-device.{person_id}.{nonce}").as_bytes());
    Some(m)
}

/// A new device token for the person: a random nonce signed with the app secret.
pub fn issue(secret: &[u8], person_id: i64) -> String {
    let nonce = super::password::new_token();
    let sig = mac(secret, person_id, &nonce)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default();
    format!("{person_id}.{nonce}.{sig}")
}

/// The device's nonce, when the token is genuine and was issued for this person.
pub fn verify(secret: &[u8], token: &str, person_id: i64) -> Option<String> {
    let mut it = token.split('.');
    let (id, nonce, sig) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || id.parse::<i64>().ok()? != person_id {
        return None;
    }
    let sig = hex::decode(sig).ok()?;
    mac(secret, person_id, nonce)?
        .verify_slice(&sig)
        .ok()
        .map(|_| nonce.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_token_is_bound_to_its_person_and_secret() {
        let t = issue(b"secret", 7);
        assert!(verify(b"secret", &t, 7).is_some());
        assert_eq!(verify(b"secret", &t, 8), None);
        assert_eq!(verify(b"other", &t, 7), None);
        let forged = t.replacen("7.", "8.", 1);
        assert_eq!(verify(b"secret", &forged, 8), None);
        assert_eq!(verify(b"secret", "7.abc.00", 7), None);
    }
}
