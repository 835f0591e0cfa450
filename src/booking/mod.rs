//! Desk and room-seat bookings: single and recurring, changes, cancellations, check-in,
//! no-show release, availability, and a private calendar feed.

pub mod http;
pub mod ics;
pub mod rules;
pub mod store;

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult, Text, on_constraint};
use crate::sites::{self, Site, Space, SpaceKind, rules::Schedule};
use axum::http::StatusCode;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use rules::{Policy, Refusal};
use serde::Serialize;
use store::NewBooking;
use utoipa::ToSchema;

/// A booking, with its times in the site's local time and in UTC.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Booking {
    pub id: i64,
    pub site_id: i64,
    pub space_id: i64,
    pub space_name: String,
    pub space_kind: String,
    /// The seat in a room (1 for a desk).
    pub seat: i64,
    pub person_id: i64,
    pub series_id: Option<i64>,
    /// Local date, YYYY-MM-DD.
    pub date: String,
    /// Local start, HH:MM.
    pub start: String,
    /// Local end, HH:MM.
    pub end: String,
    /// RFC 3339, UTC.
    pub starts_at: String,
    pub ends_at: String,
    /// active, checked_in, cancelled or no_show.
    pub status: String,
    pub checked_in_at: Option<String>,
}

/// Everything a booking request at one site is checked against.
pub struct SiteContext {
    pub site: Site,
    pub schedule: Schedule,
    pub policy: Policy,
}

impl SiteContext {
    /// Loads a site's rules.
    pub async fn load(st: &AppState, site_id: i64) -> ApiResult<SiteContext> {
        let site = sites::store::get(&st.db, site_id).await?;
        if !site.active {
            return Err(ApiError::not_found("拠点", "Site"));
        }
        let schedule = sites::store::schedule(&st.db, &site).await?;
        let policy = Policy {
            window_days: site.booking_window_days,
            max_minutes_per_day: site.max_hours_per_day * 60,
            max_active: site.max_active_bookings,
        };
        Ok(SiteContext {
            site,
            schedule,
            policy,
        })
    }

    /// The UTC range of the local day holding an instant.
    fn local_day(&self, at: DateTime<Utc>) -> (i64, i64) {
        let date = at.with_timezone(&self.schedule.tz).date_naive();
        self.schedule.day_bounds(date)
    }

    /// A refusal of the booking rules as an answer for a booking from `start` on `date`: the
    /// message says why the day is closed or what its hours are, and names the field
    /// concerned.
    pub fn refuse(&self, r: Refusal, date: NaiveDate, start: NaiveTime) -> ApiError {
        let status = match r {
            Refusal::EndNotAfterStart
            | Refusal::OffGrid
            | Refusal::TooShort
            | Refusal::NonexistentLocalTime
            | Refusal::AmbiguousLocalTime => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::CONFLICT,
        };
        let day = self.schedule.day(date);
        let text = match (r, day.hours) {
            (Refusal::ClosedDay, _) => closed_text(&day),
            (Refusal::OutsideOpeningHours, Some(h)) => {
                let (o, c) = (h.open.format("%-H:%M"), h.close.format("%-H:%M"));
                Text::new(
                    format!("開館時間内で予約してください(この日は{o}〜{c})。"),
                    format!("Book within the opening hours ({o}–{c} that day)."),
                )
            }
            _ => r.text(self.policy.window_days),
        };
        let field = match r {
            Refusal::EndNotAfterStart | Refusal::TooShort => "end",
            Refusal::TooFarAhead | Refusal::ClosedDay => "date",
            Refusal::OutsideOpeningHours if day.hours.is_some_and(|h| start >= h.open) => "end",
            Refusal::OffGrid if rules::on_grid(start) => "end",
            _ => "start",
        };
        ApiError::Client {
            status,
            code: r.code(),
            detail: text.clone(),
            errors: vec![crate::error::FieldError {
                field: field.into(),
                code: r.code(),
                message: text,
            }],
            retry_after: None,
        }
    }
}

/// "The site is closed on Tuesday 8 December (Maintenance)": the date and why, from the
/// calendar (the holiday's name, or the director's note, written "日本語 / English").
fn closed_text(day: &sites::rules::Day) -> Text {
    use sites::rules::Reason;
    let note = day.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let note = note.map(|n| match n.split_once(" / ") {
        Some((ja, en)) => (ja.to_string(), en.to_string()),
        None => (n.to_string(), n.to_string()),
    });
    let (ja, en) = match (day.reason, &day.holiday_name, note) {
        (Reason::Holiday, Some(name), _) => {
            (format!("祝日: {name}"), format!("public holiday: {name}"))
        }
        (Reason::Holiday, None, _) => ("祝日".into(), "public holiday".into()),
        (Reason::AnnualClosure | Reason::ExceptionClosed, _, Some(n)) => n,
        (Reason::AnnualClosure, _, None) => ("休館期間".into(), "annual closure".into()),
        (Reason::ExceptionClosed, _, None) => ("臨時休館".into(), "closed that day".into()),
        _ => ("定休日".into(), "not open on that weekday".into()),
    };
    let d = day.date;
    let wd =
        ["月", "火", "水", "木", "金", "土", "日"][d.weekday().num_days_from_monday() as usize];
    Text::new(
        format!("{}月{}日({wd})は休館日です({ja})。", d.month(), d.day()),
        format!("The site is closed on {} ({en}).", d.format("%A %-d %B %Y")),
    )
}

/// Who a booking is for, checked against the caller's roles: people book for themselves
/// where they hold a role; reception and directors book on behalf of an active worker of the
/// site.
pub async fn authorise_for(
    st: &AppState,
    who: &Principal,
    site_id: i64,
    person_id: Option<i64>,
) -> ApiResult<i64> {
    match person_id {
        Some(p) if p != who.id.0 => {
            who.require(site_id, &[Role::Reception, Role::Director])?;
            let worker: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM role_grants g JOIN persons p ON p.id = g.person_id
                 WHERE g.person_id = $1 AND g.site_id = $2 AND g.role = 'worker' AND p.active = 1",
            )
            .bind(p)
            .bind(site_id)
            .fetch_one(&st.db.pool)
            .await?;
            if worker == 0 {
                return Err(ApiError::not_found(
                    "この拠点のワーカー",
                    "Worker of this site",
                ));
            }
            Ok(p)
        }
        _ => {
            who.require(site_id, &Role::ALL)?;
            Ok(who.id.0)
        }
    }
}

/// Releases the bookings nobody checked into in time and tells their workers, in one
/// transaction; answers the released ids.
pub async fn release_no_shows(st: &AppState) -> anyhow::Result<Vec<i64>> {
    let mut tx = st.db.begin().await?;
    let ids = store::release_no_shows(&mut tx, st.clock.now()).await?;
    for id in &ids {
        crate::mail::notify::booking_cancelled(st, &mut tx, *id, true).await?;
    }
    tx.commit().await?;
    Ok(ids)
}

/// The answer when the space has no free seat for the time.
pub fn taken() -> ApiError {
    ApiError::conflict(
        "booking.overlap",
        Text::new(
            "その時間はすでに予約されています。",
            "That space is already booked for that time.",
        ),
    )
}

/// Refuses a desk booking of `secs` that would take the person over the site's daily hours
/// (the booking `except` left out of the count, when it is being moved).
pub async fn check_daily_limit(
    tx: &mut crate::db::Tx,
    ctx: &SiteContext,
    person_id: i64,
    at: DateTime<Utc>,
    secs: i64,
    except: i64,
) -> ApiResult<()> {
    let (f, t) = (at.timestamp(), at.timestamp() + secs);
    let load = store::person_load(tx, person_id, ctx.local_day(at), f, (f, t), except).await?;
    within_daily_limit(ctx, load.desk_minutes, secs)
}

/// Refuses `secs` more of desk time when the person already holds `used` minutes that day.
fn within_daily_limit(ctx: &SiteContext, used: i64, secs: i64) -> ApiResult<()> {
    if used + secs / 60 > ctx.policy.max_minutes_per_day {
        return Err(ApiError::conflict(
            "booking.daily_limit",
            Text::new(
                format!(
                    "1日に予約できるのは{}時間までです。",
                    ctx.site.max_hours_per_day
                ),
                format!(
                    "You can book at most {} hours a day.",
                    ctx.site.max_hours_per_day
                ),
            ),
        ));
    }
    Ok(())
}

/// The answer when the person already has a desk at that time (at any site).
fn person_overlap() -> ApiError {
    ApiError::conflict(
        "booking.person_overlap",
        Text::new(
            "その時間にはすでに別の席を予約しています。",
            "You already have a desk booked at that time.",
        ),
    )
}

/// The API errors of the database's booking constraints.
pub fn overlap_error(err: sqlx::Error) -> ApiError {
    on_constraint(err, |c| match c {
        "bookings_no_overlap" => Some(taken()),
        "bookings_one_desk_per_person" => Some(person_overlap()),
        _ => None,
    })
}

/// Checks that a space can be booked by seat.
pub fn bookable(space: &Space, site_id: i64) -> ApiResult<()> {
    if space.site_id.0 != site_id || !space.active {
        return Err(ApiError::not_found("スペース", "Space"));
    }
    match space.kind {
        SpaceKind::Desk | SpaceKind::Room | SpaceKind::MeetingRoom => Ok(()),
        SpaceKind::ChildcareRoom => Err(ApiError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            "booking.not_bookable",
            Text::new(
                "託児室は託児予約から申し込んでください。",
                "The childcare room is booked through childcare, not as a seat.",
            ),
        )),
        // Secure client rooms admit only a project's roster with an NDA and current security
        // training; until those rules are in place (access/), nobody books them here.
        SpaceKind::SecureRoom => Err(ApiError::client(
            StatusCode::FORBIDDEN,
            "booking.secure_room_access",
            Text::new(
                "セキュアルームは入室が許可された人だけが予約できます。",
                "Only people cleared for this secure room may book it.",
            ),
        )),
    }
}

/// What to book: a given space, or any free desk with these attributes.
pub enum Target {
    Space(i64),
    AnyDesk(Vec<String>),
}

/// A booking made, and whether the worker's usual desk was given.
pub struct Made {
    pub id: i64,
    pub usual_desk: bool,
    /// The booking as written (what a read of it inside the transaction would answer).
    pub booking: Booking,
}

/// Books one range for a person inside the caller's transaction, after the rules passed:
/// checks the person's limits, finds a seat, writes. Errors change nothing (the caller rolls
/// back).
#[allow(clippy::too_many_arguments)]
pub async fn book(
    tx: &mut crate::db::Tx,
    ctx: &SiteContext,
    target: &Target,
    person_id: i64,
    by: i64,
    series_id: Option<i64>,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
    spaces: &[Space],
) -> ApiResult<Made> {
    let (f, t) = (from.timestamp(), to.timestamp());
    let desk = match target {
        Target::Space(id) => spaces
            .iter()
            .find(|s| s.id.0 == *id)
            .is_some_and(|s| s.kind == SpaceKind::Desk),
        Target::AnyDesk(_) => true,
    };
    // The limits are read under the caller's lock, in one statement.
    let load = store::person_load(
        tx,
        person_id,
        ctx.local_day(from),
        now.timestamp(),
        (f, t),
        0,
    )
    .await?;
    if desk {
        within_daily_limit(ctx, load.desk_minutes, t - f)?;
    }
    if load.active >= ctx.policy.max_active {
        return Err(ApiError::conflict(
            "booking.too_many",
            Text::new(
                format!("同時に持てる予約は{}件までです。", ctx.policy.max_active),
                format!(
                    "You can hold at most {} upcoming bookings.",
                    ctx.policy.max_active
                ),
            ),
        ));
    }
    let (candidates, usual) = match target {
        Target::Space(id) => {
            let space = spaces
                .iter()
                .find(|s| s.id.0 == *id)
                .ok_or_else(|| ApiError::not_found("スペース", "Space"))?;
            bookable(space, ctx.site.id.0)?;
            (vec![space], None)
        }
        Target::AnyDesk(attrs) => {
            let desks: Vec<&Space> = spaces
                .iter()
                .filter(|s| {
                    s.kind == SpaceKind::Desk
                        && s.active
                        && attrs.iter().all(|a| s.attributes.contains(a))
                })
                .collect();
            let usual = store::usual_desk(tx, person_id, ctx.site.id.0, now.timestamp()).await?;
            (desks, usual)
        }
    };
    // Look for a free seat, then write it. Every writer of a site's seats holds the site's
    // lock (and of a person's desks the person's), so a seat seen free here stays free until
    // the write; the constraints still refuse a double booking should a writer ever skip the
    // lock, and then we look again (at most 8 times).
    let mut last = taken();
    for _ in 0..8 {
        let held = store::taken_seats(tx, ctx.site.id.0, f, t, 0).await?;
        let free: Vec<(&Space, i64)> = candidates
            .iter()
            .filter_map(|space| {
                let seat = (1..=space.capacity).find(|s| !held.contains(&(space.id.0, *s)))?;
                Some((*space, seat))
            })
            .collect();
        let ids: Vec<i64> = free.iter().map(|(s, _)| s.id.0).collect();
        let Some((chosen, is_usual)) = rules::pick_desk(&ids, usual) else {
            return Err(match target {
                Target::Space(_) => taken(),
                Target::AnyDesk(_) => ApiError::conflict(
                    "booking.no_free_desk",
                    Text::new(
                        "その時間に条件に合う空席はありません。",
                        "No desk matching those wishes is free at that time.",
                    ),
                ),
            });
        };
        let Some(&(space, seat)) = free.iter().find(|(s, _)| s.id.0 == chosen) else {
            break;
        };
        if space.kind == SpaceKind::Desk && load.desk_overlaps > 0 {
            return Err(person_overlap());
        }
        let new = NewBooking {
            site_id: ctx.site.id.0,
            space_id: space.id.0,
            space_kind: space.kind.as_str().to_string(),
            seat,
            person_id,
            series_id,
            starts_at: f,
            ends_at: t,
            created_by: by,
            now: now.timestamp(),
        };
        match store::insert_free(tx, &new).await {
            Ok(Some(id)) => {
                tx.publish(crate::events::Event::BookingMade {
                    site_id: ctx.site.id,
                    booking_id: crate::ids::BookingId(id),
                    person_id: crate::ids::PersonId(person_id),
                });
                let booking = store::compose(ctx.schedule.tz, id, &new, space.name.clone());
                return Ok(Made {
                    id,
                    usual_desk: is_usual,
                    booking,
                });
            }
            Ok(None) => last = taken(),
            Err(e) => last = overlap_error(e),
        }
        if !matches!(&last, ApiError::Client { code, .. } if *code == "booking.overlap") {
            break;
        }
    }
    Err(last)
}
