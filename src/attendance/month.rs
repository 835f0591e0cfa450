//! A worker's month at a site: the minutes at the center per local day (from the kiosk's
//! presence sessions, split at local midnight and cut at the month's bounds), the flags the
//! worker must resolve, and the month's status.

use super::rules::{Month, MonthStatus, minutes_by_day};
use super::store;
use crate::AppState;
use crate::error::ApiResult;
use crate::ids::{PersonId, SiteId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Something about a day the worker must look at before submitting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// A forgotten check-out, closed by the system at closing time.
    ClosedBySystem,
    /// Still checked in: the day counts up to now.
    StillIn,
}

/// One local day of the month.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DayTotals {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub center_minutes: i64,
    pub flags: Vec<Flag>,
}

/// A worker's month at a site.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MonthView {
    /// "2026-11".
    pub month: String,
    #[schema(value_type = i64)]
    pub site_id: SiteId,
    /// open, submitted, returned, approved or reopened.
    pub status: String,
    /// The days with time at the center, in order.
    pub days: Vec<DayTotals>,
    pub total_center_minutes: i64,
}

/// The month of `person` at `site`, as of `now` (an open session counts up to now).
pub async fn of(
    st: &AppState,
    person: PersonId,
    site: SiteId,
    month: Month,
    now: DateTime<Utc>,
) -> ApiResult<MonthView> {
    let s = crate::sites::store::get(&st.db, site).await?;
    let tz = crate::sites::store::schedule(&st.db, &s).await?.tz;
    let (from, to) = month
        .bounds(tz)
        .ok_or_else(|| anyhow::anyhow!("month {month} has no bounds in {tz}"))?;
    let sessions =
        store::presence(&st.db, person, site, (from.timestamp(), to.timestamp())).await?;
    let mut days: BTreeMap<NaiveDate, DayTotals> = BTreeMap::new();
    for p in &sessions {
        let instant = |t: i64| {
            DateTime::from_timestamp(t, 0)
                .ok_or_else(|| anyhow::anyhow!("presence_sessions row {}: bad instant {t}", p.id))
        };
        let start = instant(p.checked_in_at)?.max(from);
        let (end, flag) = match p.checked_out_at {
            Some(out) => (
                instant(out)?,
                (p.auto_closed != 0).then_some(Flag::ClosedBySystem),
            ),
            None => (now, Some(Flag::StillIn)),
        };
        for (date, minutes) in minutes_by_day(tz, start, end.min(to)) {
            let day = days.entry(date).or_insert_with(|| DayTotals {
                date,
                center_minutes: 0,
                flags: Vec::new(),
            });
            day.center_minutes += minutes;
            if let Some(f) = flag.filter(|f| !day.flags.contains(f)) {
                day.flags.push(f);
            }
        }
    }
    let label = month.to_string();
    let status = match store::status(&st.db, person, site, &label).await? {
        Some(s) => MonthStatus::parse(&s)
            .ok_or_else(|| anyhow::anyhow!("timesheets of {label}: unknown status {s}"))?,
        None => MonthStatus::Open,
    };
    let days: Vec<DayTotals> = days.into_values().collect();
    Ok(MonthView {
        month: label,
        site_id: site,
        status: status.as_str().to_string(),
        total_center_minutes: days.iter().map(|d| d.center_minutes).sum(),
        days,
    })
}
