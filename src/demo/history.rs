//! The demo's recent past and today, so that a newcomer's `cargo run` shows pages with
//! something on them: the last two months of Shiojiri's project workers (mornings at the
//! center, afternoons at home), submitted and approved, the older month paid; and the
//! children of four guardians booked into today's childcare with their parents' desks.
//! Written through the areas' own use cases where they exist, so the rows are the ones the
//! product writes. The tests' demo leaves this out (they count the base demo's rows).

use crate::attendance::entries::{self, Entry, Kind};
use crate::attendance::month::Frame;
use crate::attendance::rules::Month;
use crate::attendance::sheet::{self, Step};
use crate::clock::Clock;
use crate::db::{Db, Tx};
use crate::ids::{PersonId, ProjectId, SiteId};
use crate::sites::rules::Schedule;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};

/// Loads the demo's last two months and today's childcare (after [`super::load`]).
pub async fn load(db: &Db, clock: &Clock) -> anyhow::Result<()> {
    let now = clock.now();
    let site: SiteId = sqlx::query_scalar("SELECT id FROM sites ORDER BY id LIMIT 1")
        .fetch_one(&db.pool)
        .await?;
    let schedule = crate::attendance::schedule_of(db, site).await?;
    let director = person(db, "director@shiojiri.kado.example").await?;
    let workers: Vec<(PersonId, ProjectId, String)> = sqlx::query_as(
        "SELECT a.person_id, a.project_id, a.starts_on FROM assignments a
           JOIN client_projects p ON p.id = a.project_id
           JOIN client_companies c ON c.id = p.client_id
          WHERE c.site_id = $1 ORDER BY a.person_id",
    )
    .bind(site)
    .fetch_all(&db.pool)
    .await?;
    let this = Month::of(now.with_timezone(&schedule.tz).date_naive());
    let months = [back(this, 2), back(this, 1)];
    for month in months {
        worked(db, &schedule, (site, month), &workers, director, now).await?;
    }
    accounts(db, &workers, now).await?;
    // The example rule: month-end close, paid on the 25th of the next month.
    let mut tx = db.begin().await?;
    crate::pay::payments::set_rule(&mut tx, site, (25, 1), director, now).await?;
    tx.commit().await?;
    let [older, _] = months;
    if let Some(paid_on) = pay_day(&schedule, older, now) {
        crate::pay::payments::mark_paid(db, (site, older), paid_on, director, now).await?;
    }
    childcare_today(db, &schedule, site, now).await?;
    Ok(())
}

async fn person(db: &Db, email: &str) -> anyhow::Result<PersonId> {
    Ok(
        sqlx::query_scalar("SELECT id FROM persons WHERE email = $1")
            .bind(email)
            .fetch_one(&db.pool)
            .await?,
    )
}

fn back(m: Month, months: u32) -> Month {
    let first = m.first_day().unwrap_or_default();
    Month::of(first - chrono::Months::new(months))
}

/// One month of each worker: every other open day, 09:30-12:30 at the center (allocated to
/// the project) or 13:30-16:30 at home, alternating; then submitted and approved. Months
/// before a worker's assignment started are left out.
async fn worked(
    db: &Db,
    schedule: &Schedule,
    (site, month): (SiteId, Month),
    workers: &[(PersonId, ProjectId, String)],
    director: PersonId,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let frame = Frame::new(schedule, site, month, now)?;
    let Some(first) = month.first_day() else {
        return Ok(());
    };
    let open: Vec<NaiveDate> = first
        .iter_days()
        .take_while(|d| Month::of(*d) == month)
        .filter(|d| schedule.day(*d).hours.is_some())
        .collect();
    let mut tx = db.begin().await?;
    for (n, (person, project, starts_on)) in workers.iter().enumerate() {
        let days: Vec<NaiveDate> = open
            .iter()
            .copied()
            .filter(|d| d.to_string().as_str() >= starts_on.as_str())
            .skip(n % 2)
            .step_by(2)
            .collect();
        if days.is_empty() {
            continue;
        }
        for (i, day) in days.into_iter().enumerate() {
            let kind = if i % 2 == 0 {
                Kind::Center
            } else {
                Kind::Remote
            };
            let (start, end) = match kind {
                Kind::Center => (9 * 60 + 30, 12 * 60 + 30),
                Kind::Remote => (13 * 60 + 30, 16 * 60 + 30),
            };
            if kind == Kind::Center {
                present(&mut tx, schedule, (site, *person), day, (start, end)).await?;
            }
            let e = Entry {
                kind,
                date: day,
                start,
                end,
                project: *project,
                note: String::new(),
                reason: None,
            };
            entries::add(&mut tx, schedule, (*person, site), &e, now).await?;
        }
        let submitted = sheet::submit(&mut tx, &frame, *person, now).await?;
        sheet::step(&mut tx, submitted, Step::Approve, director, None, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A kiosk session at the site for the center time of a day.
async fn present(
    tx: &mut Tx,
    schedule: &Schedule,
    (site, person): (SiteId, PersonId),
    day: NaiveDate,
    (start, end): (u32, u32),
) -> anyhow::Result<()> {
    let at = |minutes: u32| {
        let t = NaiveTime::from_num_seconds_from_midnight_opt(minutes * 60, 0).unwrap_or_default();
        schedule.instant(day, t).map(|i| i.timestamp())
    };
    let (Ok(from), Ok(to)) = (at(start), at(end)) else {
        return Ok(());
    };
    use crate::attendance::store;
    if let Some(session) = store::open(tx, site, person, None, from).await? {
        store::close(tx, session, to, false).await?;
    }
    Ok(())
}

/// Demo bank accounts for the workers paid, at a demo bank branch.
async fn accounts(
    db: &Db,
    workers: &[(PersonId, ProjectId, String)],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    for (n, (person, _, _)) in workers.iter().enumerate() {
        let number = format!("{:07}", 1_000_001 + n);
        let input = crate::pay::bank::BankInput {
            bank_code: "0143",
            branch_code: "101",
            account_type: "ordinary",
            number: &number,
            holder: "ｶﾄﾞ ﾃﾞﾓ",
        };
        crate::pay::bank::set(&mut tx, *person, &input, *person, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The older month was paid on the 25th of the next month, or today if that is still ahead.
fn pay_day(schedule: &Schedule, month: Month, now: DateTime<Utc>) -> Option<NaiveDate> {
    let first = month.first_day()?;
    let next = first.checked_add_months(chrono::Months::new(1))?;
    let today = now.with_timezone(&schedule.tz).date_naive();
    Some(next.with_day(25)?.min(today))
}

/// Today's childcare at the site, when it is open and more than an hour of the day is left:
/// each guardian's children booked with a desk from the next quarter hour to closing.
async fn childcare_today(
    db: &Db,
    schedule: &Schedule,
    site: SiteId,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let today = now.with_timezone(&schedule.tz).date_naive();
    let Some(hours) = schedule.day(today).hours else {
        return Ok(());
    };
    let (Ok(open), Ok(close)) = (
        schedule.instant(today, hours.open),
        schedule.instant(today, hours.close),
    ) else {
        return Ok(());
    };
    let quarter = 15 * 60;
    let soon = (now.timestamp() + quarter - 1) / quarter * quarter;
    let from = open.timestamp().max(soon);
    let to = close.timestamp();
    if to - from < Duration::hours(1).num_seconds() {
        return Ok(());
    }
    let children: Vec<(i64, PersonId, String)> = sqlx::query_as(
        "SELECT c.id, g.person_id, c.birth_date FROM children c
           JOIN child_guardians g ON g.child_id = c.id ORDER BY g.person_id, c.id",
    )
    .fetch_all(&db.pool)
    .await?;
    let desks: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, kind FROM spaces WHERE site_id = $1 AND kind = 'desk' ORDER BY name DESC",
    )
    .bind(site)
    .fetch_all(&db.pool)
    .await?;
    let basis = crate::childcare::settings(db, site).await?.standard.basis;
    let mut tx = db.begin().await?;
    let mut booked: Vec<(PersonId, i64)> = Vec::new();
    for (child, guardian, birth) in children {
        let desk = match booked.iter().find(|(g, _)| *g == guardian) {
            Some((_, b)) => *b,
            None => {
                let Some((space, kind)) = desks.get(booked.len()) else {
                    break;
                };
                let b: i64 = sqlx::query_scalar(
                    "INSERT INTO bookings (site_id, space_id, space_kind, person_id, starts_at, ends_at, created_by, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $4, $7) RETURNING id",
                )
                .bind(site)
                .bind(space)
                .bind(kind)
                .bind(guardian)
                .bind(from)
                .bind(to)
                .bind(now.timestamp())
                .fetch_one(&mut *tx)
                .await?;
                booked.push((guardian, b));
                b
            }
        };
        let Some(group) = birth
            .parse::<NaiveDate>()
            .ok()
            .and_then(|b| crate::childcare::rules::age_group(b, today, basis))
        else {
            continue;
        };
        sqlx::query(
            "INSERT INTO childcare_bookings (site_id, child_id, guardian_id, desk_booking_id, starts_at, ends_at, age_group, status, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'booked', $8)",
        )
        .bind(site)
        .bind(child)
        .bind(guardian)
        .bind(desk)
        .bind(from)
        .bind(to)
        .bind(group as i64)
        .bind(now.timestamp())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
