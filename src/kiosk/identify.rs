//! Who a scanned credential belongs to, or why it is refused.

use super::errors::KioskError;
use super::store::{self, Subject};
use super::{PIN_LOCK_SECS, PIN_MAX_ATTEMPTS, pin_key};
use crate::AppState;
use crate::auth::credential::{self, Credential, QrRefusal};
use crate::auth::password;
use crate::auth::throttle::{self, Limit};
use crate::error::{ApiError, ApiResult};
use crate::ids::PersonId;

/// How the credential was given, for the scan log.
pub fn method(c: &Option<Credential>) -> &'static str {
    match c {
        Some(Credential::Qr { card: false, .. }) => "qr",
        Some(Credential::Qr { card: true, .. }) => "qr_card",
        Some(Credential::Pin { .. }) => "pin",
        Some(Credential::Card(_)) => "ic_card",
        None => "unknown",
    }
}

/// A member number and PIN, checked before the scan's transaction on the server's clock
/// `received` (the lockout never uses a kiosk's own time).
pub async fn pin(st: &AppState, member: &str, pin: &str, received: i64) -> ApiResult<PersonId> {
    let Some(person) = store::person_by_member(&st.db, member).await? else {
        return Err(KioskError::WrongPin.into());
    };
    let Some(hash) = credential::credentials(&st.db, person).await?.pin_hash else {
        return Err(KioskError::WrongPin.into());
    };
    // Reserved before the PIN is checked: neither a burst nor a made-up scan time gets more
    // than the limit evaluated.
    let limit = [Limit::new(pin_key(person), PIN_MAX_ATTEMPTS, PIN_LOCK_SECS)];
    if let Err(spent) = throttle::reserve(&st.db, &limit, received).await? {
        return Err(ApiError::from(KioskError::PinLocked).retry_after(spent.retry_after as u64));
    }
    let pin = pin.to_string();
    let ok = match st.hashing.run(move || password::verify(&pin, &hash)).await {
        Ok(ok) => ok,
        Err(busy) => {
            throttle::refund(&st.db, &limit).await?;
            return Err(busy);
        }
    };
    if !ok {
        return Err(KioskError::WrongPin.into());
    }
    crate::auth::store::clear_attempts(&st.db, &limit[0].key, received).await?;
    Ok(person)
}

/// The person a credential names, checked against what the scan's transaction read: a QR
/// code's signature, version and window (at `at`, when the scan counts), a card's holder.
/// A PIN was checked before; its person is the subject's.
pub fn verify(
    st: &AppState,
    c: &Option<Credential>,
    subject: &Subject,
    at: i64,
) -> Result<PersonId, ApiError> {
    let creds = &subject.credentials;
    let found = || subject.person.as_ref().map(|p| p.id);
    match c {
        Some(Credential::Qr { .. }) => {
            let person = credential::verify(
                &st.secret,
                c.as_ref().ok_or(KioskError::UnknownCredential)?,
                at,
                creds.qr_version,
                creds.card_serial,
            )
            .map_err(|r| match r {
                QrRefusal::Forged => KioskError::UnknownCredential,
                QrRefusal::Revoked => KioskError::RevokedCode,
                QrRefusal::Expired => KioskError::ExpiredCode,
            })?;
            Ok(person)
        }
        Some(Credential::Card(_)) => Ok(found().ok_or(KioskError::UnknownCard)?),
        Some(Credential::Pin { .. }) => Ok(found().ok_or(KioskError::WrongPin)?),
        None => Err(KioskError::UnknownCredential.into()),
    }
}
