//! A worker's month at a site as people read it: the minutes at the center per local day
//! (presence sessions split at local midnight and cut at the month's bounds), the remote
//! hours, the center time allocated to projects, per-project totals, and the flags the
//! worker must resolve before submitting. Built from rows by one pure function, for one
//! worker or for a whole site's month.

use super::rules::{Month, MonthStatus, minutes_by_day};
use super::store::{self, EntryRow, PresenceRow, TimesheetRow};
use crate::db::Db;
use crate::error::ApiResult;
use crate::ids::{CorrectionId, PersonId, PresenceId, ProjectId, SiteId, TimeEntryId, TimesheetId};
use crate::sites::rules::Schedule;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Something about a day the worker must look at before submitting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// A forgotten check-out, closed by the system at closing time, with no proposed end yet.
    ClosedBySystem,
    /// Still checked in: the day counts up to now.
    StillIn,
    /// An entry overlaps another, or remote hours overlap time at the center, or allocated
    /// center time lies outside the presence (after a correction).
    Overlap,
    /// Hours on a day the site is closed.
    ClosedDay,
}

impl Flag {
    /// What it means, in Japanese and English.
    fn text(self) -> (&'static str, &'static str) {
        match self {
            Flag::ClosedBySystem => ("チェックアウト忘れ", "forgotten check-out"),
            Flag::StillIn => ("チェックイン中", "still checked in"),
            Flag::Overlap => ("時間の重なり", "overlapping times"),
            Flag::ClosedDay => ("休館日の時間", "hours on a closed day"),
        }
    }
}

/// Minutes on a project.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProjectMinutes {
    #[schema(value_type = i64)]
    pub project_id: ProjectId,
    pub name: String,
    pub center_minutes: i64,
    pub remote_minutes: i64,
}

/// One local day of the month.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DayTotals {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// Time at the center (from the kiosk).
    pub center_minutes: i64,
    /// Center time allocated to projects.
    pub allocated_minutes: i64,
    pub remote_minutes: i64,
    pub flags: Vec<Flag>,
}

/// A correction proposed for a session the system closed.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CorrectionView {
    #[schema(value_type = i64)]
    pub id: CorrectionId,
    /// proposed, confirmed or refused.
    pub status: String,
    #[schema(value_type = String, format = DateTime)]
    pub proposed_end: DateTime<Utc>,
}

/// A presence session of the month.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SessionView {
    #[schema(value_type = i64)]
    pub id: PresenceId,
    #[schema(value_type = String, format = DateTime)]
    pub checked_in_at: DateTime<Utc>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub checked_out_at: Option<DateTime<Utc>>,
    pub closed_by_system: bool,
    pub correction: Option<CorrectionView>,
}

/// A time entry as the month shows it, in the site's local time.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EntryView {
    #[schema(value_type = i64)]
    pub id: TimeEntryId,
    /// remote or center.
    pub kind: String,
    #[schema(value_type = Option<i64>)]
    pub project_id: Option<ProjectId>,
    pub project_name: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// "09:00".
    pub start: String,
    /// "12:30" ("24:00" at midnight).
    pub end: String,
    pub minutes: i64,
    pub note: String,
}

/// A flag on a day, as submission lists them.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FlagAt {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub flag: Flag,
}

/// A worker's month at a site.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MonthView {
    /// "2026-11".
    pub month: String,
    #[schema(value_type = i64)]
    pub site_id: SiteId,
    #[schema(value_type = i64)]
    pub person_id: PersonId,
    /// The timesheet, once the month has one (the first entry or submission creates it).
    #[schema(value_type = Option<i64>)]
    pub timesheet_id: Option<TimesheetId>,
    /// open, submitted, returned, approved or reopened.
    pub status: String,
    /// The director's comment when returning or approving.
    pub comment: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submitted_at: Option<DateTime<Utc>>,
    /// The days with time, in order.
    pub days: Vec<DayTotals>,
    pub sessions: Vec<SessionView>,
    pub entries: Vec<EntryView>,
    pub projects: Vec<ProjectMinutes>,
    pub total_center_minutes: i64,
    pub total_remote_minutes: i64,
    /// Center and remote together: what the month is paid for.
    pub total_minutes: i64,
    /// Center time not allocated to a project.
    pub unallocated_minutes: i64,
    /// What the worker must resolve before submitting.
    pub flags: Vec<FlagAt>,
}

impl MonthView {
    /// The flags, written for a sentence in Japanese and English: "11/3 forgotten check-out".
    pub fn flag_list(&self) -> (String, String) {
        let (mut ja, mut en) = (Vec::new(), Vec::new());
        for f in &self.flags {
            let (j, e) = f.flag.text();
            let day = f.date.format("%-m/%-d");
            ja.push(format!("{day} {j}"));
            en.push(format!("{day} {e}"));
        }
        (ja.join("、"), en.join(", "))
    }
}

/// The site's month as instants, and the clock the month is read at.
#[derive(Clone, Copy)]
pub struct Frame<'a> {
    pub schedule: &'a Schedule,
    pub site: SiteId,
    pub month: Month,
    pub bounds: (DateTime<Utc>, DateTime<Utc>),
    pub now: DateTime<Utc>,
}

impl Frame<'_> {
    /// The month's frame at a site.
    pub fn new(
        schedule: &Schedule,
        site: SiteId,
        month: Month,
        now: DateTime<Utc>,
    ) -> ApiResult<Frame<'_>> {
        let bounds = month
            .bounds(schedule.tz)
            .ok_or_else(|| anyhow::anyhow!("month {month} has no bounds in {}", schedule.tz))?;
        Ok(Frame {
            schedule,
            site,
            month,
            bounds,
            now,
        })
    }
}

fn instant(t: i64, table: &str, id: i64) -> anyhow::Result<DateTime<Utc>> {
    DateTime::from_timestamp(t, 0)
        .ok_or_else(|| anyhow::anyhow!("{table} row {id}: bad instant {t}"))
}

type Days = BTreeMap<NaiveDate, DayTotals>;

/// [start, end) in epoch seconds.
type Span = (i64, i64);

fn day(days: &mut Days, date: NaiveDate) -> &mut DayTotals {
    days.entry(date).or_insert_with(|| DayTotals {
        date,
        center_minutes: 0,
        allocated_minutes: 0,
        remote_minutes: 0,
        flags: Vec::new(),
    })
}

fn flag(d: &mut DayTotals, flag: Flag) {
    if !d.flags.contains(&flag) {
        d.flags.push(flag);
    }
}

/// The sessions' minutes per day, their spans (an open one up to now) and their views.
fn add_sessions(
    f: &Frame<'_>,
    sessions: &[&PresenceRow],
    days: &mut Days,
) -> ApiResult<(Vec<Span>, Vec<SessionView>)> {
    let (from, to) = f.bounds;
    let mut spans = Vec::new();
    let mut views = Vec::new();
    for p in sessions {
        let start = instant(p.checked_in_at, "presence_sessions", p.id.0)?;
        let end = match p.checked_out_at {
            Some(out) => instant(out, "presence_sessions", p.id.0)?,
            None => f.now,
        };
        spans.push((start.timestamp(), end.timestamp()));
        let unresolved = match p.checked_out_at {
            None => Some(Flag::StillIn),
            Some(_) if p.auto_closed != 0 && p.correction.is_none() => Some(Flag::ClosedBySystem),
            Some(_) => None,
        };
        for (date, minutes) in minutes_by_day(f.schedule.tz, start.max(from), end.min(to)) {
            let d = day(days, date);
            d.center_minutes += minutes;
            if let Some(x) = unresolved {
                flag(d, x);
            }
        }
        let correction = match (p.correction_id, &p.correction, p.proposed_end) {
            (Some(id), Some(status), Some(end)) => Some(CorrectionView {
                id,
                status: status.clone(),
                proposed_end: instant(end, "presence_corrections", id.0)?,
            }),
            _ => None,
        };
        views.push(SessionView {
            id: p.id,
            checked_in_at: start,
            checked_out_at: p.checked_out_at.map(|_| end),
            closed_by_system: p.auto_closed != 0,
            correction,
        });
    }
    Ok((spans, views))
}

/// The entries' minutes per day and per project, their overlap flags and their views.
fn add_entries(
    f: &Frame<'_>,
    entries: &[&EntryRow],
    presence: &[(i64, i64)],
    days: &mut Days,
) -> ApiResult<(Vec<ProjectMinutes>, Vec<EntryView>)> {
    let tz = f.schedule.tz;
    let mut projects: BTreeMap<ProjectId, ProjectMinutes> = BTreeMap::new();
    let mut views = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let start = instant(e.starts_at, "time_entries", e.id.0)?.with_timezone(&tz);
        let end = instant(e.ends_at, "time_entries", e.id.0)?.with_timezone(&tz);
        let minutes = (e.ends_at - e.starts_at) / 60;
        let date = start.date_naive();
        let remote = e.kind == "remote";
        let overlaps_entry = entries
            .iter()
            .enumerate()
            .any(|(j, o)| j != i && o.starts_at < e.ends_at && e.starts_at < o.ends_at);
        let in_presence = super::rules::covers(presence, (e.starts_at, e.ends_at));
        let touches_presence = presence
            .iter()
            .any(|(a, b)| *a < e.ends_at && e.starts_at < *b);
        let d = day(days, date);
        if remote {
            d.remote_minutes += minutes;
        } else {
            d.allocated_minutes += minutes;
        }
        if overlaps_entry || (remote && touches_presence) || (!remote && !in_presence) {
            flag(d, Flag::Overlap);
        }
        if let Some(p) = e.project_id {
            let totals = projects.entry(p).or_insert_with(|| ProjectMinutes {
                project_id: p,
                name: e.project_name.clone().unwrap_or_default(),
                center_minutes: 0,
                remote_minutes: 0,
            });
            if remote {
                totals.remote_minutes += minutes;
            } else {
                totals.center_minutes += minutes;
            }
        }
        views.push(EntryView {
            id: e.id,
            kind: e.kind.clone(),
            project_id: e.project_id,
            project_name: e.project_name.clone(),
            date,
            start: start.format("%H:%M").to_string(),
            end: if end.date_naive() > date {
                "24:00".into()
            } else {
                end.format("%H:%M").to_string()
            },
            minutes,
            note: e.note.clone(),
        });
    }
    Ok((projects.into_values().collect(), views))
}

/// One worker's month, from their rows.
pub fn build(
    f: &Frame<'_>,
    person: PersonId,
    sheet: Option<&TimesheetRow>,
    sessions: &[&PresenceRow],
    entries: &[&EntryRow],
) -> ApiResult<MonthView> {
    let mut days = Days::new();
    let (presence, sessions) = add_sessions(f, sessions, &mut days)?;
    let (projects, entries) = add_entries(f, entries, &presence, &mut days)?;
    for d in days.values_mut() {
        if d.center_minutes + d.remote_minutes > 0 && !f.schedule.day(d.date).open() {
            flag(d, Flag::ClosedDay);
        }
        d.flags.sort();
    }
    let days: Vec<DayTotals> = days.into_values().collect();
    let total_center_minutes = days.iter().map(|d| d.center_minutes).sum();
    let total_remote_minutes = days.iter().map(|d| d.remote_minutes).sum();
    let allocated: i64 = days.iter().map(|d| d.allocated_minutes).sum();
    let status = match sheet {
        Some(s) => MonthStatus::parse(&s.status).ok_or_else(|| {
            anyhow::anyhow!("timesheets row {}: unknown status {}", s.id, s.status)
        })?,
        None => MonthStatus::Open,
    };
    Ok(MonthView {
        month: f.month.to_string(),
        site_id: f.site,
        person_id: person,
        timesheet_id: sheet.map(|s| s.id),
        status: status.as_str().to_string(),
        comment: sheet.and_then(|s| s.comment.clone()),
        submitted_at: sheet
            .and_then(|s| s.submitted_at)
            .and_then(|t| DateTime::from_timestamp(t, 0)),
        flags: days
            .iter()
            .flat_map(|d| d.flags.iter().map(|&flag| FlagAt { date: d.date, flag }))
            .collect(),
        days,
        sessions,
        entries,
        projects,
        total_center_minutes,
        total_remote_minutes,
        total_minutes: total_center_minutes + total_remote_minutes,
        unallocated_minutes: (total_center_minutes - allocated).max(0),
    })
}

/// The month of `person` at a site, as of the frame's instant (an open session counts up to
/// then).
pub async fn of(db: &Db, f: &Frame<'_>, person: PersonId) -> ApiResult<MonthView> {
    let mut conn = db.pool.acquire().await?;
    read(&mut conn, f, person).await
}

/// [`of`] on a connection the caller holds (a transaction's, to read under its locks).
pub async fn read(
    conn: &mut AnyConnection,
    f: &Frame<'_>,
    person: PersonId,
) -> ApiResult<MonthView> {
    let range = (f.bounds.0.timestamp(), f.bounds.1.timestamp());
    let label = f.month.to_string();
    let sessions = store::presence(&mut *conn, Some(person), f.site, range).await?;
    let entries = store::entries(&mut *conn, Some(person), f.site, &label).await?;
    let sheet = store::sheet_of(&mut *conn, person, f.site, &label).await?;
    build(
        f,
        person,
        sheet.as_ref(),
        &sessions.iter().collect::<Vec<_>>(),
        &entries.iter().collect::<Vec<_>>(),
    )
}

/// Every worker's month at a site: three reads, then one pure build per worker.
pub async fn of_site(db: &Db, f: &Frame<'_>, people: &[PersonId]) -> ApiResult<Vec<MonthView>> {
    let range = (f.bounds.0.timestamp(), f.bounds.1.timestamp());
    let label = f.month.to_string();
    let mut conn = db.pool.acquire().await?;
    let sessions = store::presence(&mut conn, None, f.site, range).await?;
    let entries = store::entries(&mut conn, None, f.site, &label).await?;
    let sheets = store::sheets(&mut conn, f.site, &label).await?;
    drop(conn);
    let mut by_person: BTreeMap<PersonId, (Vec<&PresenceRow>, Vec<&EntryRow>)> = BTreeMap::new();
    for s in &sessions {
        by_person.entry(s.person_id).or_default().0.push(s);
    }
    for e in &entries {
        by_person.entry(e.person_id).or_default().1.push(e);
    }
    let sheets: BTreeMap<PersonId, &TimesheetRow> =
        sheets.iter().map(|t| (t.person_id, t)).collect();
    people
        .iter()
        .map(|&p| {
            let (s, e) = by_person.remove(&p).unwrap_or_default();
            build(f, p, sheets.get(&p).copied(), &s, &e)
        })
        .collect()
}
