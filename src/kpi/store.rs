//! The KPI's SQL: its own tables (orders, costs, targets, viewers), and the records of the
//! areas below it that the figures count, read in a few statements a year (never one per
//! worker).

use crate::db::{Db, Tx};
use crate::ids::{MunicipalityId, OrderId, PersonId, ProjectId, SiteId};

/// A site as the KPI needs it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SiteRow {
    pub id: SiteId,
    pub municipality_id: MunicipalityId,
    pub time_zone: String,
    pub created_at: i64,
}

/// Every site, active or not (a closed site's records still count).
pub async fn sites(db: &Db) -> sqlx::Result<Vec<SiteRow>> {
    sqlx::query_as("SELECT id, municipality_id, time_zone, created_at FROM sites ORDER BY id")
        .fetch_all(&db.pool)
        .await
}

/// A municipality's names.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MunicipalityRow {
    pub id: MunicipalityId,
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
}

/// Every municipality.
pub async fn municipalities(db: &Db) -> sqlx::Result<Vec<MunicipalityRow>> {
    sqlx::query_as("SELECT id, code, name_ja, name_en FROM municipalities ORDER BY id")
        .fetch_all(&db.pool)
        .await
}

/// A worker's registration at a site.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WorkerRow {
    pub person_id: PersonId,
    pub site_id: SiteId,
    pub name: String,
    pub member_number: Option<String>,
    pub created_at: i64,
}

/// The workers registered (active accounts with the worker role) before `until`.
pub async fn workers(db: &Db, until: i64) -> sqlx::Result<Vec<WorkerRow>> {
    sqlx::query_as(
        "SELECT p.id AS person_id, g.site_id, p.name, p.member_number, p.created_at
           FROM persons p JOIN role_grants g ON g.person_id = p.id AND g.role = 'worker'
          WHERE p.active = 1 AND p.created_at < $1
          ORDER BY p.id, g.site_id",
    )
    .bind(until)
    .fetch_all(&db.pool)
    .await
}

/// A worker's minutes at a site in one month of the year (0 = April).
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct MinutesRow {
    pub site_id: SiteId,
    pub person_id: PersonId,
    pub bucket: i64,
    pub minutes: i64,
}

/// A worker's minutes at a site in one month, as the database sums them.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
struct SumRow {
    site_id: SiteId,
    person_id: PersonId,
    minutes: i64,
}

/// The minutes of `sql` (summed per site and worker from `$1` to before `$2`) in each month
/// starting at `bounds` (the thirteenth: the year's end). A statement a month, each a range
/// of the index grouped on its own: cheaper for SQLite than one statement grouping by a
/// `CASE` over the month starts (23 ms instead of 40 for a year of 60,000 sessions).
async fn per_month(db: &Db, sql: &str, bounds: &[i64; 13]) -> sqlx::Result<Vec<MinutesRow>> {
    let mut out = Vec::new();
    for (k, w) in bounds.windows(2).enumerate() {
        let rows: Vec<SumRow> = sqlx::query_as(sql)
            .bind(w[0])
            .bind(w[1])
            .fetch_all(&db.pool)
            .await?;
        out.extend(rows.into_iter().map(|r| MinutesRow {
            site_id: r.site_id,
            person_id: r.person_id,
            bucket: k as i64,
            minutes: r.minutes,
        }));
    }
    Ok(out)
}

/// Each worker's closed presence minutes per site and month, the months starting at
/// `bounds` (the thirteenth: the year's end), by check-in; summed by the database (a year
/// is some 60,000 sessions), each session's minutes floored as the hours count them.
pub async fn presence_minutes(db: &Db, bounds: &[i64; 13]) -> sqlx::Result<Vec<MinutesRow>> {
    per_month(
        db,
        "SELECT site_id, person_id,
                CAST(SUM((checked_out_at - checked_in_at) / 60) AS BIGINT) AS minutes
           FROM presence_sessions
          WHERE checked_in_at >= $1 AND checked_in_at < $2 AND checked_out_at IS NOT NULL
          GROUP BY site_id, person_id",
        bounds,
    )
    .await
}

/// Each worker's remote minutes per site (their timesheet's) and month, as above.
pub async fn remote_minutes(db: &Db, bounds: &[i64; 13]) -> sqlx::Result<Vec<MinutesRow>> {
    per_month(
        db,
        "SELECT t.site_id, t.person_id, CAST(SUM((e.ends_at - e.starts_at) / 60) AS BIGINT) AS minutes
           FROM time_entries e JOIN timesheets t ON t.id = e.timesheet_id
          WHERE e.kind = 'remote' AND e.starts_at >= $1 AND e.starts_at < $2
          GROUP BY t.site_id, t.person_id",
        bounds,
    )
    .await
}

/// A worker's month at a site.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MonthRow {
    pub site_id: SiteId,
    pub person_id: PersonId,
    pub month: String,
}

/// The approved months from `first` to `last` (YYYY-MM).
pub async fn approved(db: &Db, first: &str, last: &str) -> sqlx::Result<Vec<MonthRow>> {
    sqlx::query_as(
        "SELECT site_id, person_id, month FROM timesheets
          WHERE status = 'approved' AND month >= $1 AND month <= $2",
    )
    .bind(first)
    .bind(last)
    .fetch_all(&db.pool)
    .await
}

/// A month's amount paid to a worker at a site.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PaidRow {
    pub site_id: SiteId,
    pub person_id: PersonId,
    /// The month worked (YYYY-MM).
    pub month: String,
    /// The gross amount (before withholding), in yen.
    pub amount: i64,
    /// The day it was paid (YYYY-MM-DD).
    pub paid_on: String,
}

/// The amounts paid for the months worked from `first` to `last` (YYYY-MM), oldest first.
/// The one place the KPI reads pay's amounts: pay keeps a paid month's gross amount on its
/// payment; when pay stores its amounts per run, repoint this statement and nothing else.
pub async fn paid_amounts(db: &Db, first: &str, last: &str) -> sqlx::Result<Vec<PaidRow>> {
    sqlx::query_as(
        "SELECT t.site_id, t.person_id, t.month, p.amount, p.paid_on
           FROM pay_payments p JOIN timesheets t ON t.id = p.timesheet_id
          WHERE t.status = 'approved' AND t.month >= $1 AND t.month <= $2
          ORDER BY p.paid_on, t.month, t.id",
    )
    .bind(first)
    .bind(last)
    .fetch_all(&db.pool)
    .await
}

/// An order as stored, with the municipality it counts in.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OrderRow {
    pub id: OrderId,
    pub project_id: ProjectId,
    pub project: String,
    pub client: String,
    pub site_id: SiteId,
    pub ordered_on: String,
    pub amount: i64,
    /// The municipality the work was given to, as entered.
    pub given_to: Option<MunicipalityId>,
    /// The municipality it counts in: the one it was given to, else its project's site's.
    pub municipality_id: MunicipalityId,
    pub note: String,
}

/// The orders dated from `first` to `last` (YYYY-MM-DD), by date.
pub async fn orders(db: &Db, first: &str, last: &str) -> sqlx::Result<Vec<OrderRow>> {
    sqlx::query_as(
        "SELECT o.id, o.project_id, p.name AS project, c.name AS client, c.site_id,
                o.ordered_on, o.amount, o.municipality_id AS given_to,
                COALESCE(o.municipality_id, s.municipality_id) AS municipality_id, o.note
           FROM kpi_orders o JOIN client_projects p ON p.id = o.project_id
           JOIN client_companies c ON c.id = p.client_id JOIN sites s ON s.id = c.site_id
          WHERE o.ordered_on >= $1 AND o.ordered_on <= $2
          ORDER BY o.ordered_on, o.id",
    )
    .bind(first)
    .bind(last)
    .fetch_all(&db.pool)
    .await
}

/// One order.
pub async fn order(db: &Db, id: OrderId) -> sqlx::Result<Option<OrderRow>> {
    sqlx::query_as(
        "SELECT o.id, o.project_id, p.name AS project, c.name AS client, c.site_id,
                o.ordered_on, o.amount, o.municipality_id AS given_to,
                COALESCE(o.municipality_id, s.municipality_id) AS municipality_id, o.note
           FROM kpi_orders o JOIN client_projects p ON p.id = o.project_id
           JOIN client_companies c ON c.id = p.client_id JOIN sites s ON s.id = c.site_id
          WHERE o.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// The site of a project's client.
pub async fn project_site(db: &Db, project: ProjectId) -> sqlx::Result<Option<SiteId>> {
    sqlx::query_scalar(
        "SELECT c.site_id FROM client_projects p JOIN client_companies c ON c.id = p.client_id
          WHERE p.id = $1",
    )
    .bind(project)
    .fetch_optional(&db.pool)
    .await
}

/// An order to store.
pub struct NewOrder<'a> {
    pub project: ProjectId,
    pub ordered_on: &'a str,
    pub amount: i64,
    pub given_to: Option<MunicipalityId>,
    pub note: &'a str,
}

/// Stores an order.
pub async fn insert_order(
    tx: &mut Tx,
    o: &NewOrder<'_>,
    by: PersonId,
    now: i64,
) -> sqlx::Result<OrderId> {
    sqlx::query_scalar(
        "INSERT INTO kpi_orders (project_id, ordered_on, amount, municipality_id, note, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(o.project)
    .bind(o.ordered_on)
    .bind(o.amount)
    .bind(o.given_to)
    .bind(o.note)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// An order's new date, amount, municipality and note.
pub async fn update_order(tx: &mut Tx, id: OrderId, o: &NewOrder<'_>) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE kpi_orders SET ordered_on = $1, amount = $2, municipality_id = $3, note = $4
          WHERE id = $5",
    )
    .bind(o.ordered_on)
    .bind(o.amount)
    .bind(o.given_to)
    .bind(o.note)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Removes an order; whether there was one.
pub async fn delete_order(tx: &mut Tx, id: OrderId) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM kpi_orders WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// A year's operating costs of a municipality (0: the corporation's own).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CostRow {
    pub municipality_id: i64,
    pub amount: i64,
}

/// The operating costs entered for a fiscal year.
pub async fn costs(db: &Db, year: i32) -> sqlx::Result<Vec<CostRow>> {
    sqlx::query_as(
        "SELECT municipality_id, amount FROM kpi_costs WHERE fiscal_year = $1 ORDER BY municipality_id",
    )
    .bind(i64::from(year))
    .fetch_all(&db.pool)
    .await
}

/// Sets a year's operating costs of a municipality (0: the corporation's).
pub async fn set_cost(
    tx: &mut Tx,
    (year, municipality): (i32, i64),
    amount: i64,
    by: PersonId,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO kpi_costs (fiscal_year, municipality_id, amount, set_by, set_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (fiscal_year, municipality_id) DO UPDATE SET amount = excluded.amount,
                set_by = excluded.set_by, set_at = excluded.set_at",
    )
    .bind(i64::from(year))
    .bind(municipality)
    .bind(amount)
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A KPI's baseline and target for a municipality (0: the whole programme).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TargetRow {
    pub municipality_id: i64,
    pub kpi: String,
    pub baseline: Option<i64>,
    pub target: Option<i64>,
}

/// A KPI's targets for a municipality (0: the programme) and year, as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct YearTargetRow {
    pub municipality_id: i64,
    pub kpi: String,
    pub baseline: Option<i64>,
    pub target: Option<i64>,
    /// The single-year increase target.
    pub year_target: Option<i64>,
    /// The cumulative increase target to the year's end.
    pub cumulative_target: Option<i64>,
}

/// The baselines and targets of a fiscal year.
pub async fn targets(db: &Db, year: i32) -> sqlx::Result<Vec<YearTargetRow>> {
    sqlx::query_as(
        "SELECT municipality_id, kpi, baseline, target, year_target, cumulative_target
           FROM kpi_targets WHERE fiscal_year = $1 ORDER BY municipality_id, kpi",
    )
    .bind(i64::from(year))
    .fetch_all(&db.pool)
    .await
}

/// A KPI's final cumulative increase target (that of the latest year with one).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FinalTargetRow {
    pub municipality_id: i64,
    pub kpi: String,
    pub cumulative_target: i64,
}

/// Each municipality's (0: the programme's) and KPI's final cumulative increase target.
pub async fn final_targets(db: &Db) -> sqlx::Result<Vec<FinalTargetRow>> {
    sqlx::query_as(
        "SELECT t.municipality_id, t.kpi, t.cumulative_target FROM kpi_targets t
          WHERE t.cumulative_target IS NOT NULL
            AND t.fiscal_year = (SELECT MAX(u.fiscal_year) FROM kpi_targets u
                                  WHERE u.municipality_id = t.municipality_id AND u.kpi = t.kpi
                                    AND u.cumulative_target IS NOT NULL)",
    )
    .fetch_all(&db.pool)
    .await
}

/// Sets a KPI's baseline and target for a municipality (0: the programme) and year.
pub async fn set_target(
    tx: &mut Tx,
    year: i32,
    t: &TargetRow,
    by: PersonId,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO kpi_targets (fiscal_year, municipality_id, kpi, baseline, target, set_by, set_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (fiscal_year, municipality_id, kpi) DO UPDATE SET baseline = excluded.baseline,
                target = excluded.target, set_by = excluded.set_by, set_at = excluded.set_at",
    )
    .bind(i64::from(year))
    .bind(t.municipality_id)
    .bind(&t.kpi)
    .bind(t.baseline)
    .bind(t.target)
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Sets the increase targets (single-year, cumulative) of a KPI's stored targets row.
pub async fn set_increases(
    tx: &mut Tx,
    (year, municipality, kpi): (i32, i64, &str),
    (year_target, cumulative_target): (Option<i64>, Option<i64>),
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE kpi_targets SET year_target = $1, cumulative_target = $2
          WHERE fiscal_year = $3 AND municipality_id = $4 AND kpi = $5",
    )
    .bind(year_target)
    .bind(cumulative_target)
    .bind(i64::from(year))
    .bind(municipality)
    .bind(kpi)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The municipalities whose figures the person may view (kpi's own grant).
pub async fn viewer_of(db: &Db, person: PersonId) -> sqlx::Result<Vec<MunicipalityId>> {
    sqlx::query_scalar(
        "SELECT municipality_id FROM kpi_viewers WHERE person_id = $1 ORDER BY municipality_id",
    )
    .bind(person)
    .fetch_all(&db.pool)
    .await
}

/// A municipality viewer.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ViewerRow {
    pub person_id: PersonId,
    pub municipality_id: MunicipalityId,
    pub name: String,
    pub email: String,
}

/// Every municipality viewer.
pub async fn viewers(db: &Db) -> sqlx::Result<Vec<ViewerRow>> {
    sqlx::query_as(
        "SELECT v.person_id, v.municipality_id, p.name, p.email
           FROM kpi_viewers v JOIN persons p ON p.id = v.person_id
          ORDER BY v.municipality_id, v.person_id",
    )
    .fetch_all(&db.pool)
    .await
}

/// Grants (or with `on` false withdraws) the viewer role for a municipality.
pub async fn set_viewer(
    tx: &mut Tx,
    (person, municipality): (PersonId, MunicipalityId),
    on: bool,
    by: PersonId,
    now: i64,
) -> sqlx::Result<()> {
    crate::db::set_grant(
        tx,
        ("kpi_viewers", "municipality_id"),
        (person.0, municipality.0),
        on,
        (by.0, now),
    )
    .await
}

/// Whether a person and a municipality exist.
pub async fn person_and_municipality(
    db: &Db,
    person: PersonId,
    municipality: MunicipalityId,
) -> sqlx::Result<(bool, bool)> {
    let p: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM persons WHERE id = $1")
        .bind(person)
        .fetch_one(&db.pool)
        .await?;
    let m: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM municipalities WHERE id = $1")
        .bind(municipality)
        .fetch_one(&db.pool)
        .await?;
    Ok((p > 0, m > 0))
}

/// A person's first instant of something.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct FirstRow {
    pub person_id: PersonId,
    pub at: i64,
}

/// Each person's first booking made, first check-in and first remote entry, before `until`.
pub async fn first_work(db: &Db, until: i64) -> sqlx::Result<Vec<FirstRow>> {
    let mut out: Vec<FirstRow> = sqlx::query_as(
        "SELECT person_id, MIN(created_at) AS at FROM bookings WHERE created_at < $1 GROUP BY person_id",
    )
    .bind(until)
    .fetch_all(&db.pool)
    .await?;
    out.extend(
        sqlx::query_as::<_, FirstRow>(
            "SELECT person_id, MIN(checked_in_at) AS at FROM presence_sessions
              WHERE checked_in_at < $1 GROUP BY person_id",
        )
        .bind(until)
        .fetch_all(&db.pool)
        .await?,
    );
    out.extend(
        sqlx::query_as::<_, FirstRow>(
            "SELECT t.person_id, MIN(e.starts_at) AS at
               FROM time_entries e JOIN timesheets t ON t.id = e.timesheet_id
              WHERE e.starts_at < $1 GROUP BY t.person_id",
        )
        .bind(until)
        .fetch_all(&db.pool)
        .await?,
    );
    Ok(out)
}

/// A course of a site's onboarding programme (None: every site's).
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct ProgrammeRow {
    pub site_id: Option<SiteId>,
    pub course_id: i64,
}

/// Every site's onboarding programme.
pub async fn programme(db: &Db) -> sqlx::Result<Vec<ProgrammeRow>> {
    sqlx::query_as("SELECT site_id, course_id FROM training_programme ORDER BY position")
        .fetch_all(&db.pool)
        .await
}

/// A person's first completion of a course.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct CompletionRow {
    pub person_id: PersonId,
    pub course_id: i64,
    pub at: i64,
}

/// Each person's first completion of each course, before `until`.
pub async fn completions(db: &Db, until: i64) -> sqlx::Result<Vec<CompletionRow>> {
    sqlx::query_as(
        "SELECT person_id, course_id, MIN(completed_at) AS at FROM training_completions
          WHERE completed_at < $1 GROUP BY person_id, course_id",
    )
    .bind(until)
    .fetch_all(&db.pool)
    .await
}
