//! A worker's own entries: remote hours on a project, and center time allocated to a project.
//! Each lies within one local day, on a project the worker is assigned to that day, in the
//! past, overlapping no other entry of theirs; remote hours overlap no presence at a center;
//! center time lies within their presence at the site. The month must be open to the worker
//! (the database refuses any change to an approved month by itself). After a month was first
//! submitted every change is written to its history.

use super::errors::AttendanceError;
use super::presence::locked;
use super::rules::{Month, clock_minutes, covers, local_instant};
use super::sheet::open_to_worker;
use super::store::{self, Change, EntryRow, NewEntry, TimesheetRow};
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, on_field};
use crate::ids::{PersonId, ProjectId, SiteId, TimeEntryId};
use crate::sites::rules::Schedule;
use chrono::{DateTime, NaiveDate, Utc};

/// What kind of time an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Hours worked at home.
    Remote,
    /// Time at the center, allocated to a project.
    Center,
}

impl Kind {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Remote => "remote",
            Kind::Center => "center",
        }
    }

    /// The stored form read back.
    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Remote, Kind::Center]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// An entry as the worker gives it, parsed.
#[derive(Clone, Debug)]
pub struct Entry {
    pub kind: Kind,
    pub date: NaiveDate,
    /// Minutes after local midnight, `end` up to 1440.
    pub start: u32,
    pub end: u32,
    pub project: ProjectId,
    pub note: String,
    /// Why, when the month was reopened.
    pub reason: Option<String>,
}

impl Entry {
    /// Checks the times and turns them into instants at the site.
    fn span(&self, schedule: &Schedule) -> ApiResult<(i64, i64)> {
        if self.end <= self.start {
            return Err(on_field(AttendanceError::EndBeforeStart, "end", None));
        }
        let at = |minutes: u32, field: &str| {
            local_instant(schedule, self.date, minutes)
                .ok_or_else(|| on_field(crate::error::CommonError::Validation, field, None))
        };
        Ok((at(self.start, "start")?, at(self.end, "end")?))
    }
}

/// Parses "HH:MM" for a field.
pub fn parse_clock(field: &str, s: &str) -> ApiResult<u32> {
    clock_minutes(s)
        .ok_or_else(|| crate::error::invalid_code(field, crate::error::CommonError::BadTime))
}

/// Adds an entry to the worker's month.
pub async fn add(
    tx: &mut Tx,
    schedule: &Schedule,
    (person, site): (PersonId, SiteId),
    e: &Entry,
    now: DateTime<Utc>,
) -> ApiResult<TimeEntryId> {
    let span = e.span(schedule)?;
    let sheet = editable_sheet(tx, schedule, person, site, e).await?;
    check(tx, schedule, (person, site), e, span, TimeEntryId(0), now).await?;
    let new = new_entry(e, span);
    let id = store::insert_entry(tx, sheet.id, &new, person, now.timestamp())
        .await
        .map_err(locked)?;
    if sheet.submitted_at.is_some() {
        let after = Some(describe(schedule, &new));
        let change = Change {
            sheet: sheet.id,
            entry: Some(id),
            by: person,
            what: "entry_added",
            before: None,
            after,
            reason: e.reason.as_deref(),
        };
        store::record(tx, &change, now.timestamp()).await?;
    }
    Ok(id)
}

/// Changes one of the worker's entries (it may move to another day of an open month).
pub async fn change(
    tx: &mut Tx,
    schedule: &Schedule,
    (person, site): (PersonId, SiteId),
    id: TimeEntryId,
    e: &Entry,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let old = own(tx, person, id).await?;
    let old_sheet = sheet_editable(tx, &old, e.reason.as_deref()).await?;
    let span = e.span(schedule)?;
    let sheet = editable_sheet(tx, schedule, person, site, e).await?;
    check(tx, schedule, (person, site), e, span, id, now).await?;
    let new = new_entry(e, span);
    store::update_entry(tx, id, sheet.id, &new)
        .await
        .map_err(locked)?;
    let (before, after) = (describe_row(schedule, &old), describe(schedule, &new));
    // Moved to another month: it left one history and joined the other.
    let lines = if old_sheet.id == sheet.id {
        vec![(&sheet, "entry_changed", Some(before), Some(after))]
    } else {
        vec![
            (&old_sheet, "entry_removed", Some(before), None),
            (&sheet, "entry_added", None, Some(after)),
        ]
    };
    for (on, what, before, after) in lines {
        if on.submitted_at.is_some() {
            let change = Change {
                sheet: on.id,
                entry: Some(id),
                by: person,
                what,
                before,
                after,
                reason: e.reason.as_deref(),
            };
            store::record(tx, &change, now.timestamp()).await?;
        }
    }
    Ok(())
}

/// Removes one of the worker's entries.
pub async fn remove(
    tx: &mut Tx,
    schedule: &Schedule,
    person: PersonId,
    id: TimeEntryId,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let old = own(tx, person, id).await?;
    let sheet = sheet_editable(tx, &old, reason).await?;
    store::delete_entry(tx, id).await.map_err(locked)?;
    if sheet.submitted_at.is_some() {
        let change = Change {
            sheet: sheet.id,
            entry: Some(id),
            by: person,
            what: "entry_removed",
            before: Some(describe_row(schedule, &old)),
            after: None,
            reason,
        };
        store::record(tx, &change, now.timestamp()).await?;
    }
    Ok(())
}

/// The entry, if it is the person's; a 404 otherwise (another's entry is not shown to exist).
async fn own(tx: &mut Tx, person: PersonId, id: TimeEntryId) -> ApiResult<EntryRow> {
    store::entry(tx, id)
        .await?
        .filter(|e| e.person_id == person)
        .ok_or_else(|| ApiError::not_found("記録", "Entry"))
}

/// The month of `e`'s day, created if needed, locked, and open to the worker.
async fn editable_sheet(
    tx: &mut Tx,
    schedule: &Schedule,
    person: PersonId,
    site: SiteId,
    e: &Entry,
) -> ApiResult<TimesheetRow> {
    let month = Month::of(e.date);
    let bounds = month
        .bounds(schedule.tz)
        .ok_or_else(|| anyhow::anyhow!("month {month} has no bounds"))?;
    let sheet = store::sheet_for(
        tx,
        person,
        site,
        &month.to_string(),
        (bounds.0.timestamp(), bounds.1.timestamp()),
    )
    .await?;
    open_to_worker(&sheet, e.reason.as_deref())?;
    Ok(sheet)
}

/// The timesheet an existing entry is on, locked, and open to the worker.
async fn sheet_editable(
    tx: &mut Tx,
    old: &EntryRow,
    reason: Option<&str>,
) -> ApiResult<TimesheetRow> {
    let sheet = store::sheet_locked(tx, old.timesheet_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("time_entries row {}: no timesheet", old.id))?;
    open_to_worker(&sheet, reason)?;
    Ok(sheet)
}

/// The rules an entry must meet, read under the timesheet's lock.
async fn check(
    tx: &mut Tx,
    schedule: &Schedule,
    (person, site): (PersonId, SiteId),
    e: &Entry,
    (from, to): (i64, i64),
    except: TimeEntryId,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    if to > now.timestamp() {
        return Err(on_field(AttendanceError::InFuture, "end", None));
    }
    // Entries of one person at two sites' months must not overlap either: serialise them on
    // the person (the timesheet's lock covers one month at one site).
    crate::db::lock_row(tx, "persons", person.0).await?;
    if store::project_site(tx, e.project).await? != Some(site) {
        return Err(on_field(AttendanceError::NotAssigned, "project_id", None));
    }
    assigned(tx, person, e.project, e.date).await?;
    let local = |t: i64, format: &str| {
        DateTime::from_timestamp(t, 0).map_or(String::new(), |d| {
            d.with_timezone(&schedule.tz).format(format).to_string()
        })
    };
    let clock = |a: i64, b: i64| (local(a, "%m/%d %H:%M"), local(b, "%H:%M"));
    let others = store::entries_overlapping(tx, person, (from, to), except).await?;
    if let Some(o) = others.first() {
        let (start, end) = clock(o.starts_at, o.ends_at);
        return Err(on_field(AttendanceError::Overlap, "start", None)
            .with("start", start)
            .with("end", end));
    }
    let presence =
        store::presence_overlapping(tx, person, None, (from, to), now.timestamp()).await?;
    match e.kind {
        Kind::Remote => {
            if let Some((a, b)) = presence.first() {
                let (start, end) = clock(*a, *b);
                return Err(on_field(AttendanceError::OverlapsPresence, "start", None)
                    .with("start", start)
                    .with("end", end));
            }
        }
        Kind::Center => {
            let here =
                store::presence_overlapping(tx, person, Some(site), (from, to), now.timestamp())
                    .await?;
            if !covers(&here, (from, to)) {
                return Err(on_field(AttendanceError::OutsidePresence, "start", None));
            }
        }
    }
    Ok(())
}

/// Refuses a project the worker is not assigned to on that day.
async fn assigned(
    tx: &mut Tx,
    person: PersonId,
    project: ProjectId,
    date: NaiveDate,
) -> ApiResult<()> {
    let day = date.to_string();
    let periods = store::periods(tx, person, project).await?;
    if periods
        .iter()
        .any(|(from, to)| *from <= day && to.as_ref().is_none_or(|t| day <= *t))
    {
        return Ok(());
    }
    match periods.iter().map(|p| &p.0).filter(|f| **f > day).min() {
        Some(from) => {
            Err(on_field(AttendanceError::BeforeAssignment, "date", None).with("from", from))
        }
        None => Err(on_field(AttendanceError::NotAssigned, "project_id", None)),
    }
}

fn new_entry(e: &Entry, (starts_at, ends_at): (i64, i64)) -> NewEntry<'_> {
    NewEntry {
        kind: e.kind.as_str(),
        project: e.project,
        starts_at,
        ends_at,
        note: e.note.trim(),
    }
}

/// An entry as its history shows it: "remote 2026-11-24 09:00-12:00 project 3: note".
fn describe(schedule: &Schedule, e: &NewEntry<'_>) -> String {
    let local = |t: i64| {
        DateTime::from_timestamp(t, 0).map(|d| d.with_timezone(&schedule.tz).naive_local())
    };
    match (local(e.starts_at), local(e.ends_at)) {
        (Some(a), Some(b)) => format!(
            "{} {} {}-{} project {}: {}",
            e.kind,
            a.format("%Y-%m-%d"),
            a.format("%H:%M"),
            b.format("%H:%M"),
            e.project,
            e.note
        ),
        _ => String::new(),
    }
}

fn describe_row(schedule: &Schedule, e: &EntryRow) -> String {
    describe(
        schedule,
        &NewEntry {
            kind: &e.kind,
            project: e.project_id.unwrap_or(ProjectId(0)),
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            note: &e.note,
        },
    )
}
