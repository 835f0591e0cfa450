//! The entrance kiosk: a scanned credential (QR, IC card, PIN) becomes a check-in or a
//! check-out, decided by a pure rule (rules.rs) and carried out in one transaction.

pub mod credential;
pub mod http;
pub mod rules;
pub mod store;

use crate::AppState;
use crate::auth::throttle::{self, Limit};
use crate::auth::{KioskDevice, password};
use crate::booking::{self, SiteContext, Target};
use crate::error::{ApiError, ApiResult, Lang, Text};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use credential::{Credential, QrRefusal};
use rules::{Decision, Refusal, Situation, Slot, TimeRefusal};
use serde::Serialize;
use utoipa::ToSchema;

/// PIN attempts per person before PIN entry is locked, and for how long (server clock).
pub const PIN_MAX_ATTEMPTS: i64 = 5;
pub const PIN_LOCK_SECS: i64 = 15 * 60;

/// What the kiosk shows after a scan.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ScanResult {
    /// checked_in, checked_out, already_in or already_out.
    pub outcome: String,
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

fn refuse(status: StatusCode, code: &'static str, ja: String, en: String) -> ApiError {
    ApiError::client(status, code, Text::new(ja, en))
}

fn unknown() -> ApiError {
    refuse(
        StatusCode::NOT_FOUND,
        "kiosk.unknown_credential",
        "このコードやカードは登録されていません。受付にお声がけください。".into(),
        "This code or card is not known. Please ask at reception.".into(),
    )
}

fn method(c: &Option<Credential>) -> &'static str {
    match c {
        Some(Credential::Qr { card: false, .. }) => "qr",
        Some(Credential::Qr { card: true, .. }) => "qr_card",
        Some(Credential::Pin { .. }) => "pin",
        Some(Credential::Card(_)) => "ic_card",
        None => "unknown",
    }
}

/// The throttle key of a person's PIN.
pub fn pin_key(person: i64) -> String {
    format!("pin:{person}")
}

/// Who the credential belongs to, or why it is refused. `at` is when the scan counts (a
/// rotating code's expiry is checked against it); `received` the server's clock, which
/// alone drives the PIN lockout.
async fn identify(st: &AppState, c: &Credential, at: i64, received: i64) -> ApiResult<i64> {
    match c {
        Credential::Qr { person, .. } => {
            let creds = store::credentials(&st.db, *person).await?;
            credential::verify(&st.secret, c, at, creds.qr_version, creds.card_serial).map_err(|r| match r {
                QrRefusal::Forged => unknown(),
                QrRefusal::Revoked => refuse(
                    StatusCode::FORBIDDEN,
                    "kiosk.revoked_code",
                    "このQRコードは無効になっています。新しいコードをお使いください。".into(),
                    "This QR code has been revoked. Please use your new code.".into(),
                ),
                QrRefusal::Expired => refuse(
                    StatusCode::FORBIDDEN,
                    "kiosk.expired_code",
                    "QRコードの有効期限が切れています。アプリで最新のコードを表示してください。".into(),
                    "This QR code has expired. Please show the current code in the app.".into(),
                ),
            })
        }
        Credential::Card(uid) => {
            store::person_by_card(&st.db, &credential::card_hash(&st.secret, uid))
                .await?
                .ok_or_else(|| {
                    refuse(
                        StatusCode::NOT_FOUND,
                        "kiosk.unknown_card",
                        "このカードは登録されていません。受付にお声がけください。".into(),
                        "This card is not registered. Please ask at reception.".into(),
                    )
                })
        }
        Credential::Pin { member, pin } => {
            let wrong = || {
                refuse(
                    StatusCode::FORBIDDEN,
                    "kiosk.wrong_pin",
                    "会員番号またはPINが違います。".into(),
                    "The member number or PIN is not right.".into(),
                )
            };
            let Some(person) = store::person_by_member(&st.db, member).await? else {
                return Err(wrong());
            };
            let Some(hash) = store::credentials(&st.db, person).await?.pin_hash else {
                return Err(wrong());
            };
            // Reserved before the PIN is checked, on the server's clock: neither a burst nor
            // a made-up scan time gets more than the limit evaluated.
            let limit = [Limit::new(pin_key(person), PIN_MAX_ATTEMPTS, PIN_LOCK_SECS)];
            if let Err(spent) = throttle::reserve(&st.db, &limit, received).await? {
                return Err(refuse(
                    StatusCode::TOO_MANY_REQUESTS,
                    "kiosk.pin_locked",
                    "PINの入力を15分間停止しています。QRコードかカードをお使いください。".into(),
                    "PIN entry is locked for 15 minutes. Please use your QR code or card.".into(),
                )
                .retry_after(spent.retry_after as u64));
            }
            let pin = pin.clone();
            let ok = match st.hashing.run(move || password::verify(&pin, &hash)).await {
                Ok(ok) => ok,
                Err(busy) => {
                    throttle::refund(&st.db, &limit).await?;
                    return Err(busy);
                }
            };
            if ok {
                crate::auth::store::clear_attempts(&st.db, &limit[0].key, received).await?;
                Ok(person)
            } else {
                Err(wrong())
            }
        }
    }
}

fn hm(secs: i64) -> (i64, i64) {
    (secs / 3600, secs % 3600 / 60)
}

/// Handles one scan at a kiosk: identifies the person, decides, acts, logs. `scanned_at` is
/// the time an offline kiosk kept with the scan.
pub async fn scan(
    st: &AppState,
    device: &KioskDevice,
    payload: &str,
    scanned_at: Option<DateTime<Utc>>,
) -> ApiResult<ScanResult> {
    let received = st.clock.now();
    let cred = credential::parse(payload);
    let offline_secs = store::offline_minutes(&st.db, device.site_id).await? * 60;
    let at = rules::scan_time(
        received.timestamp(),
        scanned_at.map(|t| t.timestamp()),
        offline_secs,
        matches!(cred, Some(Credential::Pin { .. })),
    )
    .map_err(|r| match r {
        TimeRefusal::OutOfWindow => refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "kiosk.bad_scan_time",
            "スキャン時刻が古すぎるか未来です。".into(),
            "The scan time is too old or in the future.".into(),
        ),
        TimeRefusal::LatePin => refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "kiosk.late_pin",
            "PINは後から送ることができません。もう一度入力してください。".into(),
            "A PIN cannot be sent later. Please enter it again.".into(),
        ),
    })?;
    let at = DateTime::from_timestamp(at, 0).unwrap_or(received);
    let person = match &cred {
        Some(c) => identify(st, c, at.timestamp(), received.timestamp()).await,
        None => Err(unknown()),
    };
    let result = match person {
        Ok(p) => act(st, device, p, at).await.map(|r| (Some(p), r)),
        Err(e) => Err(e),
    };
    let (person_id, code) = match &result {
        Ok((p, r)) => (*p, r.outcome.clone()),
        Err(ApiError::Client { code, .. }) => (None, code.to_string()),
        Err(ApiError::Internal(_)) => (None, "internal".into()),
    };
    store::log(
        &st.db,
        device.id,
        device.site_id,
        person_id,
        method(&cred),
        &code,
        at.timestamp(),
        received.timestamp(),
    )
    .await?;
    let (_, mut r) = result?;
    r.delayed = received - at > Duration::seconds(60);
    Ok(r)
}

async fn act(
    st: &AppState,
    device: &KioskDevice,
    person: i64,
    at: DateTime<Utc>,
) -> ApiResult<ScanResult> {
    let lang = Lang::current();
    let (name, active) = store::person(&st.db, person).await?.ok_or_else(unknown)?;
    if !active {
        return Err(unknown());
    }
    let site = device.site_id;
    let ctx = SiteContext::load(st, site).await?;
    let now = at.timestamp();
    let (day_from, day_to) = ctx
        .schedule
        .day_bounds(at.with_timezone(&ctx.schedule.tz).date_naive());
    let bookings =
        booking::store::of_person(&st.db, crate::ids::PersonId(person), day_from, day_to).await?;
    let session = store::open_session(&st.db, person, site).await?;
    let last = store::last_effective_scan(&st.db, person, site, now - rules::REPEAT_SECS).await?;
    let grants = crate::auth::store::grants_of(&st.db, person).await?;
    let children_in_room = crate::childcare::children_in_room(&st.db, person, site).await?;
    let situation = Situation {
        now,
        site_open: ctx.schedule.is_open_at(at),
        works_here: grants.iter().any(|g| g.site_id.0 == site),
        inside: session.map(|s| s.0),
        last_scan_ago: last.map(|l| now - l),
        bookings: bookings
            .iter()
            .filter(|b| b.site_id.0 == site && b.status.is_live())
            .map(|b| Slot {
                id: b.id.0,
                starts: b.starts_at.timestamp(),
                ends: b.ends_at.timestamp(),
                checked_in: b.status == booking::BookingStatus::CheckedIn,
            })
            .collect(),
        early_secs: ctx.site.check_in_early_minutes * 60,
        allow_walk_in: ctx.site.allow_walk_in,
        children_in_room: children_in_room.into_iter().map(|c| c.1).collect(),
    };
    let result = |outcome: &str, message: String| ScanResult {
        outcome: outcome.into(),
        message,
        person_name: name.clone(),
        space: None,
        children: vec![],
        minutes_today: None,
        delayed: false,
    };
    match rules::decide(&situation) {
        Decision::Repeat { inside } => Ok(if inside {
            result(
                "already_in",
                lang.pick(
                    &format!("{name}さん、チェックイン済みです。"),
                    &format!("{name}, you are checked in."),
                )
                .into(),
            )
        } else {
            result(
                "already_out",
                lang.pick(
                    &format!("{name}さん、チェックアウト済みです。"),
                    &format!("{name}, you are checked out."),
                )
                .into(),
            )
        }),
        Decision::Refuse(r) => Err(match r {
            Refusal::SiteClosed => refuse(
                StatusCode::CONFLICT,
                "kiosk.site_closed",
                "ただいま閉館中です。".into(),
                "The site is closed now.".into(),
            ),
            Refusal::NotThisSite => refuse(
                StatusCode::FORBIDDEN,
                "kiosk.not_this_site",
                "この拠点のご予約がありません。".into(),
                "You have no booking at this site.".into(),
            ),
            Refusal::NoBooking => refuse(
                StatusCode::CONFLICT,
                "kiosk.no_booking",
                "今の時間のご予約がありません。アプリで席を予約してください。".into(),
                "You have no booking now. Please book a desk in the app.".into(),
            ),
            Refusal::ChildrenInRoom(names) => refuse(
                StatusCode::CONFLICT,
                "kiosk.child_in_room",
                format!(
                    "お子さま({})がまだ託児室にいます。先にお迎えをお願いします。",
                    names.join("、")
                ),
                format!(
                    "Your child ({}) is still in the childcare room: please pick them up first.",
                    names.join(", ")
                ),
            ),
        }),
        Decision::CheckIn { booking } => {
            // Read before the transaction: no second connection while it holds the lock.
            let spaces = match booking {
                Some(_) => Vec::new(),
                None => crate::sites::store::spaces(&st.db, site).await?,
            };
            let mut tx = st.db.begin().await?;
            let booking_id = match booking {
                Some(id) => id,
                None => walk_in(&spaces, &ctx, &mut tx, person, at).await?,
            };
            booking::store::check_in(&mut *tx, crate::ids::BookingId(booking_id), now).await?;
            store::open(&mut tx, site, person, Some(booking_id), now)
                .await
                .map_err(|e| {
                    // Two kiosks reading the same person at once: the second finds them inside.
                    match crate::db::violated_constraint(&e).as_deref() {
                        Some("presence_sessions_person_id_key" | "presence_open") => {
                            ApiError::conflict(
                                "kiosk.already_in",
                                Text::new("チェックイン済みです。", "Already checked in."),
                            )
                        }
                        _ => e.into(),
                    }
                })?;
            let children = crate::childcare::request_dropoffs(&mut tx, person, site, now).await?;
            tx.publish(crate::events::Event::CheckedIn {
                site_id: crate::ids::SiteId(site),
                person_id: crate::ids::PersonId(person),
                booking_id: Some(crate::ids::BookingId(booking_id)),
            });
            tx.commit().await?;
            let space = booking::store::get(&st.db, crate::ids::BookingId(booking_id))
                .await?
                .map(|b| b.space_name);
            let desk = space.clone().unwrap_or_default();
            let mut ja = format!("{name}さん、チェックインしました。席: {desk}");
            let mut en = format!("Checked in, {name}. Your place: {desk}");
            if !children.is_empty() {
                ja.push_str(&format!(
                    "。{}を保育士にお預けください。",
                    children.join("、")
                ));
                en.push_str(&format!(
                    ". Please hand {} to the caregiver.",
                    children.join(", ")
                ));
            }
            Ok(ScanResult {
                space,
                children,
                ..result("checked_in", lang.pick(&ja, &en).into())
            })
        }
        Decision::CheckOut { session: id } => {
            let mut tx = st.db.begin().await?;
            store::close(&mut tx, id, now).await?;
            if let Some(b) = session.and_then(|s| s.1) {
                let (b, by) = (crate::ids::BookingId(b), crate::ids::PersonId(person));
                booking::store::trim(&mut tx, b, now, by).await?;
            }
            tx.publish(crate::events::Event::CheckedOut {
                site_id: crate::ids::SiteId(site),
                person_id: crate::ids::PersonId(person),
                booking_id: session.and_then(|s| s.1).map(crate::ids::BookingId),
            });
            tx.commit().await?;
            let secs = store::seconds_present(&st.db, person, site, day_from, day_to, now).await?;
            let (h, m) = hm(secs);
            Ok(ScanResult {
                minutes_today: Some(secs / 60),
                ..result(
                    "checked_out",
                    lang.pick(
                        &format!("{name}さん、チェックアウトしました。本日 {h}時間{m}分"),
                        &format!("Checked out, {name}: {h} h {m} min today."),
                    )
                    .into(),
                )
            })
        }
    }
}

/// A walk-in: any free desk from this quarter hour to closing (within the daily limit).
async fn walk_in(
    spaces: &[crate::sites::Space],
    ctx: &SiteContext,
    tx: &mut crate::db::Tx,
    person: i64,
    at: DateTime<Utc>,
) -> ApiResult<i64> {
    let local = at.with_timezone(&ctx.schedule.tz);
    let hours = ctx.schedule.day(local.date_naive()).hours.ok_or_else(|| {
        refuse(
            StatusCode::CONFLICT,
            "kiosk.site_closed",
            "ただいま閉館中です。".into(),
            "The site is closed now.".into(),
        )
    })?;
    let start = booking::rules::grid_floor(at.timestamp());
    let close = booking::rules::instant(ctx.schedule.tz, local.date_naive(), hours.close)
        .map_err(|r| ctx.refuse(r, local.date_naive(), hours.close))?
        .timestamp();
    let end = close.min(start + ctx.policy.max_minutes_per_day * 60);
    if end <= start {
        return Err(refuse(
            StatusCode::CONFLICT,
            "kiosk.site_closed",
            "ただいま閉館中です。".into(),
            "The site is closed now.".into(),
        ));
    }
    let from = DateTime::from_timestamp(start, 0).unwrap_or(at);
    let to = DateTime::from_timestamp(end, 0).unwrap_or(at);
    let person = crate::ids::PersonId(person);
    booking::store::lock_for_booking(tx, ctx.site_id(), person).await?;
    let one = booking::book::Request {
        target: &Target::AnyDesk(vec![]),
        person_id: person,
        by: person,
        series_id: None,
        range: (from, to),
        spaces,
    };
    let made = booking::book(tx, ctx, &one, at).await?;
    Ok(made.id.0)
}
