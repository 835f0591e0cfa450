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
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};
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
    let mut view = MonthView {
        month: f.month.to_string(),
        site_id: f.site,
        person_id: person,
        timesheet_id: None,
        status: String::new(),
        comment: None,
        submitted_at: None,
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
    };
    with_sheet(&mut view, sheet)?;
    Ok(view)
}

/// A timesheet's id, status, comment and submission instant.
type SheetFields = (
    Option<TimesheetId>,
    String,
    Option<String>,
    Option<DateTime<Utc>>,
);

/// What the month's timesheet says.
fn sheet_fields(sheet: Option<&TimesheetRow>) -> ApiResult<SheetFields> {
    let status = match sheet {
        Some(s) => MonthStatus::parse(&s.status).ok_or_else(|| {
            anyhow::anyhow!("timesheets row {}: unknown status {}", s.id, s.status)
        })?,
        None => MonthStatus::Open,
    };
    Ok((
        sheet.map(|s| s.id),
        status.as_str().to_string(),
        sheet.and_then(|s| s.comment.clone()),
        sheet
            .and_then(|s| s.submitted_at)
            .and_then(|t| DateTime::from_timestamp(t, 0)),
    ))
}

fn with_sheet(view: &mut MonthView, sheet: Option<&TimesheetRow>) -> ApiResult<()> {
    (
        view.timesheet_id,
        view.status,
        view.comment,
        view.submitted_at,
    ) = sheet_fields(sheet)?;
    Ok(())
}

/// A month (perhaps built before) with its timesheet as it is now.
fn sheet_now(view: &mut Arc<MonthView>, sheet: Option<&TimesheetRow>) -> ApiResult<()> {
    let now = sheet_fields(sheet)?;
    let v: &MonthView = view;
    if (v.timesheet_id, &v.status, &v.comment, v.submitted_at) != (now.0, &now.1, &now.2, now.3) {
        let v = Arc::make_mut(view);
        (v.timesheet_id, v.status, v.comment, v.submitted_at) = now;
    }
    Ok(())
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

/// A month built before, with what it was built from.
struct Cached {
    version: i64,
    schedule: u64,
    view: Arc<MonthView>,
}

type CacheKey = (SiteId, String, PersonId);

/// Months built before, reused while their person's version at the site (drawn again by
/// trigger at every write of their sessions, corrections or entries, in the writing
/// transaction) and the site's schedule are those they were built with; their timesheet is
/// read afresh. A month with an open session counts up to now: never kept.
static CACHE: OnceLock<Mutex<HashMap<CacheKey, Cached>>> = OnceLock::new();

/// How many months the cache holds before it starts again (a few sites' months of
/// hundreds of workers).
const CACHE_MAX: usize = 5_000;

/// Above this many months to build, the site's rows are read at once rather than per person.
const PER_PERSON_MAX: usize = 8;

/// What of the schedule a month depends on, as a number (its exceptions in date order).
fn schedule_print(s: &Schedule) -> u64 {
    let mut h = DefaultHasher::new();
    s.tz.name().hash(&mut h);
    format!(
        "{:?}{:?}{}",
        s.weekly, s.annual_closures, s.open_on_holidays
    )
    .hash(&mut h);
    let mut ex: Vec<_> = s.exceptions.iter().collect();
    ex.sort_by_key(|(d, _)| **d);
    format!("{ex:?}").hash(&mut h);
    h.finish()
}

fn cache() -> std::sync::MutexGuard<'static, HashMap<CacheKey, Cached>> {
    CACHE
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Every worker's month at a site: the months unchanged since they were last built are
/// reused, the others built from the site's rows (or each person's, when few), then the
/// project names are the current ones.
pub async fn of_site(
    db: &Db,
    f: &Frame<'_>,
    people: &[PersonId],
) -> ApiResult<Vec<Arc<MonthView>>> {
    let label = f.month.to_string();
    let print = schedule_print(f.schedule);
    let mut conn = db.pool.acquire().await?;
    // The versions first: a write after this read only makes a month look older than it is.
    let versions: HashMap<PersonId, i64> = store::versions(&mut conn, f.site)
        .await?
        .into_iter()
        .collect();
    let version = |p: &PersonId| versions.get(p).copied().unwrap_or(0);
    let mut out: Vec<Option<Arc<MonthView>>> = {
        let c = cache();
        people
            .iter()
            .map(|p| {
                c.get(&(f.site, label.clone(), *p))
                    .filter(|k| k.version == version(p) && k.schedule == print)
                    .map(|k| Arc::clone(&k.view))
            })
            .collect()
    };
    let stale: Vec<PersonId> = people
        .iter()
        .zip(&out)
        .filter(|(_, v)| v.is_none())
        .map(|(p, _)| *p)
        .collect();
    let built = if stale.len() <= PER_PERSON_MAX {
        let mut built = BTreeMap::new();
        for &p in &stale {
            built.insert(p, read(&mut conn, f, p).await?);
        }
        built
    } else {
        build_site(&mut conn, f, &stale).await?
    };
    let mut built: BTreeMap<PersonId, Arc<MonthView>> =
        built.into_iter().map(|(p, v)| (p, Arc::new(v))).collect();
    {
        let mut c = cache();
        if c.len() + built.len() > CACHE_MAX {
            c.clear();
        }
        for (p, v) in &built {
            if v.sessions.iter().all(|s| s.checked_out_at.is_some()) {
                let cached = Cached {
                    version: version(p),
                    schedule: print,
                    view: Arc::clone(v),
                };
                c.insert((f.site, label.clone(), *p), cached);
            }
        }
    }
    for (slot, p) in out.iter_mut().zip(people) {
        if slot.is_none() {
            *slot = built.remove(p);
        }
    }
    let mut views: Vec<Arc<MonthView>> = out.into_iter().flatten().collect();
    // The timesheets are read afresh: an approval changes no month's time.
    let sheets = store::sheets(&mut conn, f.site, &label).await?;
    let sheets: BTreeMap<PersonId, &TimesheetRow> =
        sheets.iter().map(|t| (t.person_id, t)).collect();
    for v in &mut views {
        let person = v.person_id;
        sheet_now(v, sheets.get(&person).copied())?;
    }
    rename(&mut conn, &mut views).await?;
    Ok(views)
}

/// Gives the months' projects their current names (a project renamed since a month was
/// built).
async fn rename(conn: &mut AnyConnection, views: &mut [Arc<MonthView>]) -> ApiResult<()> {
    let ids: BTreeSet<ProjectId> = views
        .iter()
        .flat_map(|v| v.projects.iter().map(|p| p.project_id))
        .collect();
    let names: HashMap<ProjectId, String> =
        store::project_names(conn, &ids.into_iter().collect::<Vec<_>>())
            .await?
            .into_iter()
            .collect();
    for v in views.iter_mut() {
        let renamed = |id: ProjectId, name: &str| names.get(&id).is_some_and(|n| n != name);
        if !v.projects.iter().any(|p| renamed(p.project_id, &p.name)) {
            continue;
        }
        let v = Arc::make_mut(v);
        for p in &mut v.projects {
            if let Some(n) = names.get(&p.project_id) {
                p.name.clone_from(n);
            }
        }
        for e in &mut v.entries {
            if let (Some(id), Some(n)) = (e.project_id, &mut e.project_name)
                && let Some(new) = names.get(&id)
            {
                n.clone_from(new);
            }
        }
    }
    Ok(())
}

/// The months of the given people at a site, built from the site's rows read at once.
async fn build_site(
    conn: &mut AnyConnection,
    f: &Frame<'_>,
    people: &[PersonId],
) -> ApiResult<BTreeMap<PersonId, MonthView>> {
    let range = (f.bounds.0.timestamp(), f.bounds.1.timestamp());
    let label = f.month.to_string();
    let sessions = store::presence(&mut *conn, None, f.site, range).await?;
    let entries = store::entries(&mut *conn, None, f.site, &label).await?;
    let sheets = store::sheets(&mut *conn, f.site, &label).await?;
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
            Ok((p, build(f, p, sheets.get(&p).copied(), &s, &e)?))
        })
        .collect()
}
