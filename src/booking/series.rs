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
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
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
}

/// What a series request booked, skipped (closed days) and could not book.
pub struct SeriesOutcome {
    pub series_id: SeriesId,
    pub booked: Vec<Booking>,
    pub skipped: Vec<(NaiveDate, ApiError)>,
    pub conflicts: Vec<(NaiveDate, ApiError)>,
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
    if req.dates.is_empty() {
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
    };
    let series_id = store::insert_series(&mut tx, &new).await?;
    let mut out = SeriesOutcome {
        series_id,
        booked: Vec::new(),
        skipped: Vec::new(),
        conflicts: Vec::new(),
    };
    for &date in &req.dates {
        let range = match rules::check(&ctx.schedule, &ctx.policy, now, date, req.start, req.end) {
            Err(Refusal::ClosedDay) => {
                let e = ctx.refuse(Refusal::ClosedDay, date, req.start);
                out.skipped.push((date, e));
                continue;
            }
            Err(r) => {
                out.conflicts.push((date, ctx.refuse(r, date, req.start)));
                continue;
            }
            Ok(range) => range,
        };
        let one = Request {
            target: req.target,
            person_id: req.person_id,
            by: req.by,
            series_id: Some(series_id),
            range,
            spaces: req.spaces,
        };
        match book(&mut tx, ctx, &one, now).await {
            Ok(m) => out.booked.push(m.booking),
            // A busy database is no conflict of that date: the whole request may retry.
            Err(e) if e.status() == StatusCode::SERVICE_UNAVAILABLE => return Err(e),
            Err(e @ ApiError::Client { .. }) => out.conflicts.push((date, e)),
            Err(e) => return Err(e),
        }
    }
    if out.booked.is_empty() && out.conflicts.is_empty() {
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
