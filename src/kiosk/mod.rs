//! The entrance kiosk: a scanned credential (QR, IC card, PIN) becomes a check-in or a
//! check-out. One transaction per scan: it reads what the decision needs (the person's row
//! locked on PostgreSQL; SQLite's `BEGIN IMMEDIATE`), decides by a pure rule (rules.rs),
//! writes, checks that every write happened, and logs the scan, all or nothing.

pub mod act;
pub mod devices;
pub mod errors;
pub mod http;
pub mod identify;
pub mod member;
pub mod rules;
pub mod store;

use crate::AppState;
use crate::auth::KioskToken;
use crate::auth::credential::{self, Credential};
use crate::auth::devices as kiosk_tokens;
use crate::error::{ApiError, ApiResult};
use crate::ids::PersonId;
use act::Stop;
use chrono::{DateTime, Duration, Utc};
use errors::KioskError;
use rules::TimeRefusal;
use serde::Serialize;
use store::Claim;
use utoipa::ToSchema;

/// PIN attempts per person before PIN entry is locked, and for how long (server clock).
pub const PIN_MAX_ATTEMPTS: i64 = 5;
pub const PIN_LOCK_SECS: i64 = 15 * 60;

/// What a scan did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = ScanOutcome)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    CheckedIn,
    CheckedOut,
    AlreadyIn,
    AlreadyOut,
}

impl Outcome {
    /// The stored form (the scan log's `result`).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::CheckedIn => "checked_in",
            Outcome::CheckedOut => "checked_out",
            Outcome::AlreadyIn => "already_in",
            Outcome::AlreadyOut => "already_out",
        }
    }
}

/// What the kiosk shows after a scan.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ScanResult {
    pub outcome: Outcome,
    /// The sentence to show, in the request's language.
    pub message: String,
    pub person_name: String,
    /// The desk or room of the booking checked into.
    pub space: Option<String>,
    /// Children to hand to the caregiver now.
    pub children: Vec<String>,
    /// Minutes at the site today (on check-out).
    pub minutes_today: Option<i64>,
    /// The scan was made offline and sent later.
    pub delayed: bool,
}

/// The instant a scan counts at, or why its time is refused.
fn scan_instant(
    received: DateTime<Utc>,
    scanned_at: Option<DateTime<Utc>>,
    offline_minutes: i64,
    pin: bool,
) -> ApiResult<DateTime<Utc>> {
    let at = rules::scan_time(
        received.timestamp(),
        scanned_at.map(|t| t.timestamp()),
        offline_minutes * 60,
        pin,
    )
    .map_err(|r| match r {
        TimeRefusal::OutOfWindow => KioskError::BadScanTime,
        TimeRefusal::LatePin => KioskError::LatePin,
    })?;
    Ok(DateTime::from_timestamp(at, 0).unwrap_or(received))
}

/// Handles one scan at a kiosk: identifies the kiosk and the person, decides, acts and logs,
/// in one transaction. `scanned_at` is the time an offline kiosk kept with the scan.
pub async fn scan(
    st: &AppState,
    token: &KioskToken,
    payload: &str,
    scanned_at: Option<DateTime<Utc>>,
) -> ApiResult<ScanResult> {
    let received = st.clock.now();
    let cred = credential::parse(payload);
    let method = identify::method(&cred);
    let log = |device: &crate::auth::KioskDevice, person, result| store::ScanLog {
        device: device.id,
        site: device.site_id,
        person,
        method,
        result,
        scanned_at: received.timestamp(),
        received_at: received.timestamp(),
    };
    let pin = matches!(cred, Some(Credential::Pin { .. }));
    let mut claim = match &cred {
        // A PIN is checked before the transaction: its attempt counts even when the scan
        // then fails. It needs the kiosk's site first (an extra statement only PINs pay).
        Some(Credential::Pin { member, pin }) => {
            let device = kiosk_tokens::device_for_token(st, token, received.timestamp())
                .await?
                .ok_or_else(kiosk_tokens::unpaired)?;
            refuse_door(&device)?;
            let offline = store::offline_minutes(&st.db, device.site_id).await?;
            let at = scan_instant(received, scanned_at, offline, true)?;
            match identify::pin(st, member, pin, received.timestamp()).await {
                Ok(person) => Claim::Person(person),
                Err(e @ ApiError::Client { .. }) => {
                    let mut tx = st.db.begin().await?;
                    let code = code_of(&e);
                    let at = at.timestamp();
                    let line = store::ScanLog {
                        scanned_at: at,
                        ..log(&device, None, code)
                    };
                    store::log(&mut tx, &line).await?;
                    tx.commit().await?;
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
        }
        Some(Credential::Qr { person, .. }) => Claim::Person(*person),
        Some(Credential::Card(uid)) => Claim::Card(credential::card_hash(&st.secret, uid)),
        None => Claim::Nobody,
    };
    // Set when a walk-in found its site's lock held: the scan runs again, locking it first.
    let mut site_first = None;
    loop {
        let mut tx = st.db.begin().await?;
        if let (Claim::Person(person), Some(site)) = (&claim, site_first) {
            crate::booking::store::lock_for_booking(&mut tx, site, *person).await?;
        }
        let subject = store::subject(&mut tx, st.db.backend, token, &claim)
            .await?
            .ok_or_else(kiosk_tokens::unpaired)?;
        refuse_door(&subject.device)?;
        let at = scan_instant(
            received,
            scanned_at,
            subject.site.kiosk_offline_minutes,
            pin,
        )?;
        let who = identify::verify(st, &cred, &subject, at.timestamp());
        let identified = who.as_ref().ok().copied();
        let result = match who {
            Ok(person) => {
                // The lock taken first is this site's (the kiosk could have been paired
                // elsewhere in between).
                let site_locked = site_first == Some(subject.site.id);
                act::act(st, &mut tx, &subject, (person, at), site_locked).await
            }
            Err(e) => Err(Stop::Refuse(e)),
        };
        let (person, code, result) = match result {
            Ok(r) => (identified, r.outcome.as_str(), Ok(r)),
            Err(Stop::Refuse(e)) => (None, code_of(&e), Err(e)),
            // Nothing is written: the next scan starts from the same state.
            Err(Stop::Abort(e)) => return Err(e),
            Err(Stop::WalkIn(person)) => {
                drop(tx);
                claim = Claim::Person(person);
                site_first = Some(subject.site.id);
                continue;
            }
        };
        let line = store::ScanLog {
            scanned_at: at.timestamp(),
            ..log(&subject.device, person, code)
        };
        store::log(&mut tx, &line).await?;
        tx.commit().await?;
        // The scan is done: the "last seen" write neither fails it nor makes it wait.
        let (st, device) = (st.clone(), subject.device.id);
        let (seen, now) = (subject.device_seen, received.timestamp());
        tokio::spawn(async move {
            if let Err(e) = kiosk_tokens::seen(&st, device, seen, now).await {
                tracing::warn!(device = device.0, "kiosk last seen not written: {e}");
            }
        });
        let mut r = result?;
        r.delayed = received - at > Duration::seconds(60);
        return Ok(r);
    }
}

/// A secure room's door reader is paired to its room, not to the entrance: its scans here are
/// refused before the person is verified, anything is decided, or a PIN attempt is counted.
fn refuse_door(device: &crate::auth::KioskDevice) -> ApiResult<()> {
    if device.door {
        return Err(KioskError::DoorAtEntrance.into());
    }
    Ok(())
}

/// The throttle key of a person's PIN.
pub fn pin_key(person: PersonId) -> String {
    credential::pin_key(person)
}

/// The code a refusal is logged with.
fn code_of(e: &ApiError) -> &'static str {
    match e {
        ApiError::Client { code, .. } => code,
        ApiError::Internal(_) => "internal",
    }
}
