//! Presence at a site: the kiosk's scan opens and closes a session through here, inside its
//! own transaction; a job closes a forgotten check-out at the site's closing time (flagged
//! "closed by the system"); the worker proposes the real end, a director confirms or refuses.

use super::errors::AttendanceError;
use super::rules::Month;
use super::store::{self, Change};
use crate::AppState;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, on_field};
use crate::events::Event;
use crate::ids::{CorrectionId, PersonId, PresenceId, SiteId};
use crate::sites::rules::Schedule;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The database's lock of an approved month (its triggers), as the 409 it means.
pub fn locked(err: sqlx::Error) -> ApiError {
    crate::error::on_constraint(err, |name| {
        (name == "attendance_month_locked").then(|| AttendanceError::MonthLocked.into())
    })
}

/// Opens a presence session (the kiosk's check-in); None when the person has one open.
pub async fn open(
    tx: &mut Tx,
    site: SiteId,
    person: PersonId,
    booking: Option<crate::ids::BookingId>,
    at: i64,
) -> ApiResult<Option<PresenceId>> {
    store::open(tx, site, person, booking, at)
        .await
        .map_err(locked)
}

/// Closes a presence session (the kiosk's check-out, or the system's); whether it was open.
pub async fn close(tx: &mut Tx, session: PresenceId, at: i64, by_system: bool) -> ApiResult<bool> {
    store::close(tx, session, at, by_system)
        .await
        .map_err(locked)
}

/// The instant a session opened at `checked_in_at` is closed by the system: the closing time
/// of its local day, or the day's end when the site was closed that day.
pub fn closing_of(schedule: &Schedule, checked_in_at: i64) -> Option<i64> {
    let local = DateTime::from_timestamp(checked_in_at, 0)?.with_timezone(&schedule.tz);
    let date = local.date_naive();
    let day_end = schedule.day_bounds(date).1;
    // A closing time a DST change skips or repeats: the day's end.
    let close = match schedule.day(date).hours {
        Some(h) => schedule
            .instant(date, h.close)
            .map_or(day_end, |t| t.timestamp()),
        None => day_end,
    };
    // A scan after closing (a late exception) is closed at the day's end.
    Some(if close > checked_in_at {
        close
    } else {
        day_end
    })
}

/// Closes every session left open past its site's closing time, at that time, flagged. Each
/// close is a conditional update of its own: two instances running this at once close each
/// session once. Answers how many it closed.
pub async fn close_forgotten(st: &AppState) -> anyhow::Result<usize> {
    let now = st.clock.epoch();
    let mut schedules: HashMap<SiteId, Schedule> = HashMap::new();
    let mut closed = 0;
    for s in store::open_before(&st.db, now).await? {
        if let std::collections::hash_map::Entry::Vacant(v) = schedules.entry(s.site_id) {
            v.insert(super::schedule_of(&st.db, s.site_id).await?);
        }
        let Some(at) = schedules
            .get(&s.site_id)
            .and_then(|sch| closing_of(sch, s.checked_in_at))
        else {
            continue;
        };
        if at > now {
            continue;
        }
        // One session that cannot be closed (its month approved meanwhile) must not keep the
        // others open: it is logged and skipped.
        match close_one(st, &s, at).await {
            Ok(true) => closed += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(session = %s.id, error = %e, "closing a forgotten check-out failed")
            }
        }
    }
    Ok(closed)
}

async fn close_one(st: &AppState, s: &store::OpenRow, at: i64) -> anyhow::Result<bool> {
    let mut tx = st.db.begin().await?;
    let closed = store::close(&mut tx, s.id, at, true).await?;
    if closed {
        tx.publish(Event::CheckedOut {
            site_id: s.site_id,
            person_id: s.person_id,
            booking_id: s.booking_id,
        });
    }
    tx.commit().await?;
    Ok(closed)
}

/// The worker proposes the real end of a session the system closed, as minutes after the
/// local midnight of its check-in day (one pending proposal per session; a month that is not
/// open to them refuses it).
pub async fn propose(
    tx: &mut Tx,
    (schedule, site): (&Schedule, SiteId),
    person: PersonId,
    session: PresenceId,
    (end_minutes, reason): (u32, &str),
    now: DateTime<Utc>,
) -> ApiResult<CorrectionId> {
    let s = store::session(tx, session)
        .await?
        .filter(|s| s.person_id == person && s.site_id == site)
        .ok_or_else(|| ApiError::not_found("在館記録", "Session"))?;
    let Some(closed_at) = s.checked_out_at.filter(|_| s.auto_closed != 0) else {
        return Err(AttendanceError::NotClosedBySystem.into());
    };
    let date = DateTime::from_timestamp(s.checked_in_at, 0)
        .ok_or_else(|| anyhow::anyhow!("presence_sessions row {}: bad instant", s.id))?
        .with_timezone(&schedule.tz)
        .date_naive();
    let end = super::rules::local_instant(schedule, date, end_minutes)
        .ok_or_else(|| on_field(AttendanceError::EndBeforeStart, "end", None))?;
    if end <= s.checked_in_at {
        return Err(on_field(AttendanceError::EndBeforeStart, "end", None));
    }
    if end > now.timestamp() {
        return Err(on_field(AttendanceError::InFuture, "end", None));
    }
    let month = Month::of(date);
    let bounds = month
        .bounds(schedule.tz)
        .ok_or_else(|| anyhow::anyhow!("month {month} has no bounds"))?;
    let sheet = store::sheet_for(
        tx,
        person,
        s.site_id,
        &month.to_string(),
        (bounds.0.timestamp(), bounds.1.timestamp()),
    )
    .await?;
    super::sheet::open_to_worker(&sheet, Some(reason))?;
    let Some(id) = store::propose(tx, s.id, sheet.id, end, reason, person, now.timestamp())
        .await
        .map_err(locked)?
    else {
        return Err(AttendanceError::AlreadyProposed.into());
    };
    let change = Change {
        sheet: sheet.id,
        entry: None,
        by: person,
        what: "end_proposed",
        before: Some(written(closed_at)),
        after: Some(written(end)),
        reason: Some(reason),
    };
    store::record(tx, &change, now.timestamp()).await?;
    Ok(id)
}

/// A director confirms (the session ends at the proposed time) or refuses (the system's time
/// stays) a proposed end. The database refuses either in an approved month.
pub async fn decide(
    tx: &mut Tx,
    who: &crate::auth::Principal,
    id: CorrectionId,
    confirm: bool,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let c = store::correction(tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("訂正", "Correction"))?;
    let sheet = super::sheet::locked(tx, c.timesheet_id).await?;
    who.require_director(sheet.site_id)?;
    if sheet.person_id == who.id && !who.is_admin {
        return Err(ApiError::forbidden());
    }
    if sheet.status == "approved" {
        return Err(AttendanceError::MonthLocked.into());
    }
    let status = if confirm { "confirmed" } else { "refused" };
    if !store::decide(tx, id, status, who.id, now.timestamp()).await? {
        return Err(AttendanceError::AlreadyDecided.into());
    }
    let before = store::session(tx, c.session_id)
        .await?
        .and_then(|s| s.checked_out_at);
    if confirm {
        store::set_end(tx, c.session_id, c.proposed_end)
            .await
            .map_err(locked)?;
    }
    let change = Change {
        sheet: sheet.id,
        entry: None,
        by: who.id,
        what: if confirm {
            "end_confirmed"
        } else {
            "end_refused"
        },
        before: before.map(written),
        after: Some(written(if confirm {
            c.proposed_end
        } else {
            before.unwrap_or_default()
        })),
        reason: None,
    };
    store::record(tx, &change, now.timestamp()).await?;
    Ok(())
}

/// An instant as a history line writes it (RFC 3339, UTC).
fn written(t: i64) -> String {
    DateTime::from_timestamp(t, 0).map_or_else(|| t.to_string(), |d| d.to_rfc3339())
}
