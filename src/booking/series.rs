//! Recurring bookings: a weekly pattern booked date by date in one transaction, and the
//! cancellation of a series (with its childcare places).

use super::book::{Request, Target, book};
use super::errors::BookingError;
use super::rules::{self, Refusal};
use super::store::{self, NewSeries};
use super::{Booking, BookingStatus, SiteContext, notify};
use crate::AppState;
use crate::error::{ApiError, ApiResult, FieldError, Text};
use crate::events::Event;
use crate::ids::{BookingId, PersonId, SeriesId, SiteId};
use crate::sites::Space;
use axum::http::StatusCode;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

/// What to do when some dates of a series are taken.
#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SeriesMode {
    /// Nothing is booked if any date conflicts; every conflict is listed.
    AllOrNothing,
    /// The free dates are booked; the conflicts are listed.
    SkipConflicts,
}

/// A weekly pattern to book, its dates already expanded.
pub struct SeriesRequest<'a> {
    pub person_id: PersonId,
    pub by: PersonId,
    /// The weekdays as stored (`mon,wed`).
    pub weekdays: &'a str,
    pub dates: Vec<NaiveDate>,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub target: &'a Target,
    pub mode: SeriesMode,
    pub spaces: &'a [Space],
    /// How the series keeps going past the window (the job books its later dates).
    pub keep: Option<store::Keep>,
}

/// What a series request booked, skipped (closed days) and could not book.
pub struct SeriesOutcome {
    pub series_id: SeriesId,
    pub booked: Vec<Booking>,
    pub skipped: Vec<(NaiveDate, ApiError)>,
    pub conflicts: Vec<(NaiveDate, ApiError)>,
}

/// One series' pattern, as each of its dates is booked.
pub struct Pattern<'a> {
    pub target: &'a Target,
    pub person_id: PersonId,
    pub by: PersonId,
    pub series_id: SeriesId,
    pub times: (NaiveTime, NaiveTime),
    pub spaces: &'a [Space],
}

/// What became of one date of a series.
pub enum DateOutcome {
    Booked(Booking),
    /// The site is closed that day.
    Skipped(ApiError),
    /// Taken, over a limit, out of the window: the refusal says which.
    Conflict(ApiError),
}

impl DateOutcome {
    /// The stored form (series_dates.outcome) and the refusal's code.
    fn stored(&self) -> (&'static str, Option<&'static str>) {
        let code = |e: &ApiError| match e {
            ApiError::Client { code, .. } => Some(*code),
            ApiError::Internal(_) => None,
        };
        match self {
            DateOutcome::Booked(_) => ("booked", None),
            DateOutcome::Skipped(e) => ("skipped", code(e)),
            DateOutcome::Conflict(e) => ("conflict", code(e)),
        }
    }
}

/// Books one date of a series inside the caller's transaction (which holds the site's and
/// the person's locks). A client's refusal is the date's outcome; a busy or failing database
/// is the caller's error (the whole request or run may retry).
async fn book_date(
    tx: &mut crate::db::Tx,
    ctx: &SiteContext,
    p: &Pattern<'_>,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> ApiResult<DateOutcome> {
    let (start, end) = p.times;
    let range = match rules::check(&ctx.schedule, &ctx.policy, now, date, start, end) {
        Err(Refusal::ClosedDay) => {
            return Ok(DateOutcome::Skipped(ctx.refuse(
                Refusal::ClosedDay,
                date,
                start,
            )));
        }
        Err(r) => return Ok(DateOutcome::Conflict(ctx.refuse(r, date, start))),
        Ok(range) => range,
    };
    let one = Request {
        target: p.target,
        person_id: p.person_id,
        by: p.by,
        series_id: Some(p.series_id),
        range,
        spaces: p.spaces,
    };
    match book(tx, ctx, &one, now).await {
        Ok(m) => Ok(DateOutcome::Booked(m.booking)),
        Err(e) if e.status() == StatusCode::SERVICE_UNAVAILABLE => Err(e),
        Err(e @ ApiError::Client { .. }) => Ok(DateOutcome::Conflict(e)),
        Err(e) => Err(e),
    }
}

/// The refusal of a series that has no date to book.
pub fn series_empty() -> ApiError {
    BookingError::SeriesEmpty.into()
}

/// Books the dates of a weekly pattern, skipping closed days; with all-or-nothing, one
/// conflict books nothing (every conflict is listed).
pub async fn book_series(
    st: &AppState,
    ctx: &SiteContext,
    req: &SeriesRequest<'_>,
    now: DateTime<Utc>,
) -> ApiResult<SeriesOutcome> {
    // A series that keeps going may start past the window: the job books it when it is due.
    if req.dates.is_empty() && req.keep.is_none() {
        return Err(series_empty());
    }
    let addressee = notify::addressee(st, req.person_id).await?;
    let mut tx = st.db.begin().await?;
    store::lock_for_booking(&mut tx, ctx.site_id(), req.person_id).await?;
    let (start, end) = (req.start.format("%H:%M"), req.end.format("%H:%M"));
    let new = NewSeries {
        person_id: req.person_id,
        site_id: ctx.site_id(),
        weekdays: req.weekdays,
        start: &start.to_string(),
        end: &end.to_string(),
        now: now.timestamp(),
        keep: req.keep.as_ref(),
    };
    let series_id = store::insert_series(&mut tx, &new).await?;
    let mut out = SeriesOutcome {
        series_id,
        booked: Vec::new(),
        skipped: Vec::new(),
        conflicts: Vec::new(),
    };
    for &date in &req.dates {
        let one = Pattern {
            target: req.target,
            person_id: req.person_id,
            by: req.by,
            series_id,
            times: (req.start, req.end),
            spaces: req.spaces,
        };
        match book_date(&mut tx, ctx, &one, date, now).await? {
            DateOutcome::Booked(b) => out.booked.push(b),
            DateOutcome::Skipped(e) => out.skipped.push((date, e)),
            DateOutcome::Conflict(e) => out.conflicts.push((date, e)),
        }
    }
    if out.booked.is_empty() && out.conflicts.is_empty() && req.keep.is_none() {
        return Err(series_empty());
    }
    // Nothing is written when all-or-nothing meets a conflict, or when nothing could be booked.
    if !out.conflicts.is_empty() && (req.mode == SeriesMode::AllOrNothing || out.booked.is_empty())
    {
        return Err(nothing_booked(out.conflicts));
    }
    let skipped: Vec<(String, String)> = out
        .skipped
        .iter()
        .map(|(d, e)| (d.to_string(), message(e)))
        .collect();
    notify::confirmed_as(st, &mut tx, addressee, &ctx.site, &out.booked, &skipped).await?;
    tx.commit().await?;
    Ok(out)
}

/// A refusal's text in the request's language.
pub fn message(e: &ApiError) -> String {
    match e {
        ApiError::Client { detail, .. } => crate::error::Lang::current()
            .pick(&detail.ja, &detail.en)
            .to_string(),
        ApiError::Internal(_) => String::new(),
    }
}

/// The 409 of an all-or-nothing series: each date in conflict as a field problem.
fn nothing_booked(conflicts: Vec<(NaiveDate, ApiError)>) -> ApiError {
    let errors: Vec<FieldError> = conflicts
        .into_iter()
        .map(|(d, e)| match e {
            ApiError::Client { code, detail, .. } => FieldError {
                field: d.to_string(),
                code,
                message: detail,
            },
            ApiError::Internal(_) => FieldError {
                field: d.to_string(),
                code: "internal",
                message: Text::new("", ""),
            },
        })
        .collect();
    let count = errors.len();
    match ApiError::from(BookingError::SeriesConflict).with("count", count) {
        ApiError::Client {
            status,
            code,
            detail,
            retry_after,
            ..
        } => ApiError::Client {
            status,
            code,
            detail,
            errors,
            retry_after,
        },
        other => other,
    }
}

/// Cancels the occurrences of a series that have not started (from a date on, when given),
/// their notices and their childcare places in one transaction; answers the ids cancelled.
/// `owner` is the series' person and site.
pub async fn cancel_series(
    st: &AppState,
    id: SeriesId,
    (owner, site): (PersonId, SiteId),
    from: Option<NaiveDate>,
    by: PersonId,
    now: DateTime<Utc>,
) -> ApiResult<Vec<BookingId>> {
    let ids: Vec<BookingId> = store::of_series(&st.db, id)
        .await?
        .into_iter()
        .filter(|b| b.status == BookingStatus::Active && !b.started(now))
        .filter(|b| from.is_none_or(|f| b.date >= f))
        .map(|b| b.id)
        .collect();
    // Read before the transaction: a pool read while holding one could wait for itself.
    let cc = crate::childcare::store::settings(&st.db, site.0).await?;
    let mut tx = st.db.begin().await?;
    crate::sites::store::lock(&mut tx, site.0).await?;
    let cancelled = store::cancel(&mut tx, &ids, by, now.timestamp()).await?;
    // Cancelling the rest of a series stops it: the job books none of its later dates.
    store::stop_series(&mut tx, id, now.timestamp()).await?;
    for done in &cancelled {
        tx.publish(Event::BookingCancelled {
            site_id: site,
            booking_id: *done,
            person_id: owner,
        });
    }
    // A series' childcare places go with it; one message names every date and place.
    let raw: Vec<i64> = cancelled.iter().map(|b| b.0).collect();
    let places =
        crate::childcare::cancel_places_of_bookings(st, &mut tx, &raw, site.0, cc.as_ref()).await?;
    notify::cancelled_with_places(st, &mut tx, &cancelled, &places).await?;
    tx.commit().await?;
    Ok(cancelled)
}

/// Books the new dates of the series that keep going as the booking window moves forward, and
/// answers how many dates it considered. Each series is claimed by moving its "booked
/// through" date under the site's and the person's locks, so two instances never book a date
/// twice; each date's outcome is logged for the weekly digest.
pub async fn extend_all(st: &AppState) -> anyhow::Result<usize> {
    let now = st.clock.now();
    let mut considered = 0;
    let going = store::going(&st.db).await?;
    let mut site: Option<(SiteId, SiteContext, Vec<Space>)> = None;
    for s in going {
        if site.as_ref().is_none_or(|(id, ..)| *id != s.site_id) {
            let ctx = SiteContext::load(st, s.site_id.0)
                .await
                .map_err(anyhow_of)?;
            let spaces = crate::sites::store::spaces(&st.db, s.site_id.0).await?;
            site = Some((s.site_id, ctx, spaces));
        }
        let Some((_, ctx, spaces)) = &site else {
            continue;
        };
        considered += extend_one(st, ctx, spaces, &s, now).await?;
    }
    Ok(considered)
}

fn anyhow_of(e: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}", message(&e))
}

/// Books one series' dates from the day after its "booked through" date to the window's end
/// (or the series' end); answers how many dates it considered.
async fn extend_one(
    st: &AppState,
    ctx: &SiteContext,
    spaces: &[Space],
    s: &store::GoingRow,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let parse = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d");
    let corrupt = |what: &str| anyhow::anyhow!("booking_series row {}: unreadable {what}", s.id.0);
    let through = s
        .booked_through
        .as_deref()
        .map(parse)
        .transpose()
        .map_err(|_| corrupt("booked_through"))?;
    let until = s
        .until_date
        .as_deref()
        .map(parse)
        .transpose()
        .map_err(|_| corrupt("until_date"))?;
    let mut last = rules::window_end(&ctx.schedule, &ctx.policy, now);
    if let Some(u) = until {
        last = last.min(u);
    }
    let first = through.map_or(now.with_timezone(&ctx.schedule.tz).date_naive(), |t| {
        t + chrono::Duration::days(1)
    });
    if first > last {
        return Ok(0);
    }
    let weekdays: Vec<chrono::Weekday> = s
        .weekdays
        .split(',')
        .map(|w| {
            crate::sites::rules::weekday_index(w)
                .and_then(|i| chrono::Weekday::try_from(i as u8).ok())
        })
        .collect::<Option<_>>()
        .ok_or_else(|| corrupt("weekdays"))?;
    let times = (
        NaiveTime::parse_from_str(&s.start_time, "%H:%M").map_err(|_| corrupt("start_time"))?,
        NaiveTime::parse_from_str(&s.end_time, "%H:%M").map_err(|_| corrupt("end_time"))?,
    );
    let attributes: Vec<String> =
        serde_json::from_str(&s.attributes).map_err(|_| corrupt("attributes"))?;
    let target = Target::of(s.space_id, attributes);
    let pattern = Pattern {
        target: &target,
        person_id: s.person_id,
        by: s.person_id,
        series_id: s.id,
        times,
        spaces,
    };
    let dates = rules::series_dates(first, &weekdays, Some(last), None);
    let mut tx = st.db.begin().await?;
    store::lock_for_booking(&mut tx, s.site_id, s.person_id).await?;
    // The claim: another run that got here first moved the date, and this one does nothing.
    if !store::advance_series(&mut tx, s.id, s.booked_through.as_deref(), last).await? {
        return Ok(0);
    }
    let stamp = now.timestamp();
    for &date in &dates {
        let outcome = book_date(&mut tx, ctx, &pattern, date, now)
            .await
            .map_err(anyhow_of)?;
        let (stored, code) = outcome.stored();
        let booking = match &outcome {
            DateOutcome::Booked(b) => Some(b.id),
            _ => None,
        };
        let log = store::DateLog {
            series: s.id,
            date,
            outcome: stored,
            code,
            booking,
            now: stamp,
        };
        store::log_date(&mut tx, &log).await?;
    }
    tx.commit().await?;
    Ok(dates.len())
}

/// Sends each worker whose series the job extended one digest a week (on the site's local
/// Monday, from its reminder hour): the dates booked and those that could not be, with why.
/// The dates are marked told in the same transaction: each goes into one digest only.
pub async fn digests(st: &AppState) -> anyhow::Result<usize> {
    let now = st.clock.now();
    let mut sent = 0;
    for (person, site) in store::undigested_owners(&st.db).await? {
        let ctx = SiteContext::load(st, site.0).await.map_err(anyhow_of)?;
        let local = now.with_timezone(&ctx.schedule.tz);
        let hour = i64::from(chrono::Timelike::hour(&local));
        if local.weekday() != chrono::Weekday::Mon || hour < ctx.site.reminder_hour.max(0) {
            continue;
        }
        let mut tx = st.db.begin().await?;
        let dates = store::take_undigested(&mut tx, person, site, now.timestamp()).await?;
        if !dates.is_empty() {
            notify::digest(st, &mut tx, person, site, &dates).await?;
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}
