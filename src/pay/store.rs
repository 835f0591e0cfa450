//! Pay's SQL: payment rules, withholding switches, invoice registration numbers, payments
//! marked paid (its own tables), and the approved timesheets it reads (attendance's).

use crate::db::{Db, Tx};
use crate::ids::{PersonId, ProjectId, RunId, SiteId, TimesheetId};

/// A site's payment rule as stored.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct RuleRow {
    pub pay_day: i64,
    pub months_after: i64,
}

/// The site's payment rule, if it has one.
pub async fn rule(db: &Db, site: SiteId) -> sqlx::Result<Option<RuleRow>> {
    sqlx::query_as("SELECT pay_day, months_after FROM pay_rules WHERE site_id = $1")
        .bind(site)
        .fetch_optional(&db.pool)
        .await
}

/// Sets the site's payment rule.
pub async fn set_rule(
    tx: &mut Tx,
    site: SiteId,
    rule: RuleRow,
    by: PersonId,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO pay_rules (site_id, pay_day, months_after, set_by, set_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (site_id) DO UPDATE SET pay_day = excluded.pay_day,
                months_after = excluded.months_after, set_by = excluded.set_by, set_at = excluded.set_at",
    )
    .bind(site)
    .bind(rule.pay_day)
    .bind(rule.months_after)
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The projects with withholding switched on.
pub async fn withheld(db: &Db) -> sqlx::Result<Vec<ProjectId>> {
    sqlx::query_scalar("SELECT project_id FROM pay_withholding ORDER BY project_id")
        .fetch_all(&db.pool)
        .await
}

/// Switches withholding on or off for a project.
pub async fn set_withholding(
    tx: &mut Tx,
    project: ProjectId,
    on: bool,
    by: PersonId,
    now: i64,
) -> sqlx::Result<()> {
    if on {
        sqlx::query(
            "INSERT INTO pay_withholding (project_id, set_by, set_at) VALUES ($1, $2, $3)
             ON CONFLICT (project_id) DO NOTHING",
        )
        .bind(project)
        .bind(by)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    } else {
        sqlx::query("DELETE FROM pay_withholding WHERE project_id = $1")
            .bind(project)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A person's qualified-invoice registration number.
pub async fn invoice_number(db: &Db, person: PersonId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT number FROM pay_invoice_numbers WHERE person_id = $1")
        .bind(person)
        .fetch_optional(&db.pool)
        .await
}

/// Sets (or with None removes) a person's registration number.
pub async fn set_invoice_number(
    tx: &mut Tx,
    person: PersonId,
    number: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    match number {
        Some(n) => sqlx::query(
            "INSERT INTO pay_invoice_numbers (person_id, number, set_at) VALUES ($1, $2, $3)
             ON CONFLICT (person_id) DO UPDATE SET number = excluded.number, set_at = excluded.set_at",
        )
        .bind(person)
        .bind(n)
        .bind(now),
        None => sqlx::query("DELETE FROM pay_invoice_numbers WHERE person_id = $1").bind(person),
    }
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An approved timesheet and its payment, if marked.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApprovedRow {
    pub id: TimesheetId,
    pub person_id: PersonId,
    pub site_id: SiteId,
    pub paid_on: Option<String>,
    pub run_id: Option<RunId>,
    pub amount: Option<i64>,
    pub withholding: Option<i64>,
    pub due_on: Option<String>,
}

/// The approved timesheets of a month: of a person (at any site) or of a site.
pub async fn approved(
    db: &Db,
    person: Option<PersonId>,
    site: Option<SiteId>,
    month: &str,
) -> sqlx::Result<Vec<ApprovedRow>> {
    sqlx::query_as(
        "SELECT t.id, t.person_id, t.site_id, p.paid_on, p.run_id, p.amount, p.withholding, p.due_on
           FROM timesheets t LEFT JOIN pay_payments p ON p.timesheet_id = t.id
          WHERE t.status = 'approved' AND t.month = $1
            AND ($2 = 0 OR t.person_id = $2) AND ($3 = 0 OR t.site_id = $3)
          ORDER BY t.site_id, t.person_id",
    )
    .bind(month)
    .bind(person.map_or(0, |p| p.0))
    .bind(site.map_or(0, |s| s.0))
    .fetch_all(&db.pool)
    .await
}

/// A person of a site's month as the payments list names them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MonthPerson {
    pub id: PersonId,
    pub name: String,
    pub member_number: Option<String>,
}

/// The site's workers today and everyone with a timesheet of the month there, by name.
pub async fn people_of_month(db: &Db, site: SiteId, month: &str) -> sqlx::Result<Vec<MonthPerson>> {
    sqlx::query_as(&format!(
        "SELECT p.id, p.name, p.member_number FROM persons p
          WHERE p.id IN {MONTH_PEOPLE} ORDER BY p.name, p.id"
    ))
    .bind(site)
    .bind(month)
    .fetch_all(&db.pool)
    .await
}

/// The approved and unpaid timesheets of a site's month, each with the instant it was
/// decided (a reopening and a new approval change it). `lock`: on PostgreSQL the rows stay
/// locked until the transaction ends, so a reopening waits for the run (and then finds the
/// payment) or the run waits for it (and then finds the month no longer approved).
pub async fn unpaid(
    tx: &mut Tx,
    site: SiteId,
    month: &str,
    lock: bool,
) -> sqlx::Result<Vec<(TimesheetId, Option<i64>)>> {
    let lock = if lock && tx.backend_name() == "PostgreSQL" {
        " FOR NO KEY UPDATE OF t"
    } else {
        ""
    };
    sqlx::query_as(&format!(
        "SELECT t.id, t.decided_at FROM timesheets t
          WHERE t.site_id = $1 AND t.month = $2 AND t.status = 'approved'
            AND NOT EXISTS (SELECT 1 FROM pay_payments p WHERE p.timesheet_id = t.id)
          ORDER BY t.id{lock}"
    ))
    .bind(site)
    .bind(month)
    .fetch_all(&mut **tx)
    .await
}

/// Records a payment run.
pub async fn insert_run(
    tx: &mut Tx,
    (site, month): (SiteId, &str),
    paid_on: &str,
    by: PersonId,
    now: i64,
) -> sqlx::Result<RunId> {
    sqlx::query_scalar(
        "INSERT INTO pay_runs (site_id, month, paid_on, paid_by, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(site)
    .bind(month)
    .bind(paid_on)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// A paid month's amounts as the run recorded them.
pub struct NewPayment<'a> {
    pub sheet: TimesheetId,
    pub run: RunId,
    pub paid_on: &'a str,
    pub amount: i64,
    pub withholding: i64,
    pub due_on: &'a str,
}

/// Records a timesheet's payment; the database refuses a second one (pay_paid_twice).
pub async fn insert_payment(
    tx: &mut Tx,
    p: &NewPayment<'_>,
    by: PersonId,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO pay_payments
                (timesheet_id, paid_on, amount, withholding, marked_by, marked_at, run_id, due_on)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(p.sheet)
    .bind(p.paid_on)
    .bind(p.amount)
    .bind(p.withholding)
    .bind(by)
    .bind(now)
    .bind(p.run)
    .bind(p.due_on)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A paid month's line of a project, as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LineRow {
    pub timesheet_id: TimesheetId,
    pub project_id: ProjectId,
    pub project_name: String,
    pub minutes: i64,
    /// "yen:minutes" pairs separated by spaces.
    pub rates: String,
    pub amount: i64,
    pub withholding_on: i64,
    pub withholding: i64,
}

/// Stores a paid month's line.
pub async fn insert_line(tx: &mut Tx, l: &LineRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO pay_payment_lines (timesheet_id, project_id, project_name, minutes, rates,
                amount, withholding_on, withholding)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(l.timesheet_id)
    .bind(l.project_id)
    .bind(&l.project_name)
    .bind(l.minutes)
    .bind(&l.rates)
    .bind(l.amount)
    .bind(l.withholding_on)
    .bind(l.withholding)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The stored lines of paid timesheets.
pub async fn lines(db: &Db, sheets: &[TimesheetId]) -> sqlx::Result<Vec<LineRow>> {
    if sheets.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = sheets.iter().map(|s| s.0.to_string()).collect();
    sqlx::query_as(&format!(
        "SELECT timesheet_id, project_id, project_name, minutes, rates, amount, withholding_on,
                withholding
           FROM pay_payment_lines WHERE timesheet_id IN ({}) ORDER BY timesheet_id, project_id",
        ids.join(",")
    ))
    .fetch_all(&db.pool)
    .await
}

/// A payment run as listed.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RunRow {
    pub id: RunId,
    pub paid_on: String,
    pub paid_by: PersonId,
    pub paid_by_name: String,
    pub created_at: i64,
    pub payments: i64,
    pub amount: i64,
    pub withholding: i64,
}

/// The runs of a site's month, oldest first.
pub async fn runs(db: &Db, site: SiteId, month: &str) -> sqlx::Result<Vec<RunRow>> {
    sqlx::query_as(
        "SELECT r.id, r.paid_on, r.paid_by, pe.name AS paid_by_name, r.created_at,
                COUNT(p.timesheet_id) AS payments,
                CAST(COALESCE(SUM(p.amount), 0) AS BIGINT) AS amount,
                CAST(COALESCE(SUM(p.withholding), 0) AS BIGINT) AS withholding
           FROM pay_runs r JOIN persons pe ON pe.id = r.paid_by
           LEFT JOIN pay_payments p ON p.run_id = r.id
          WHERE r.site_id = $1 AND r.month = $2
          GROUP BY r.id, r.paid_on, r.paid_by, pe.name, r.created_at
          ORDER BY r.id",
    )
    .bind(site)
    .bind(month)
    .fetch_all(&db.pool)
    .await
}

/// The notices sent: each assignment's terms (`basis`) so far.
pub async fn noticed(db: &Db) -> sqlx::Result<Vec<(crate::ids::AssignmentId, String)>> {
    sqlx::query_as("SELECT assignment_id, basis FROM pay_terms")
        .fetch_all(&db.pool)
        .await
}

/// A terms notice to store.
pub struct NewTerms<'a> {
    pub assignment: crate::ids::AssignmentId,
    pub person: PersonId,
    pub site: SiteId,
    pub body_ja: &'a str,
    pub body_en: &'a str,
    /// The rate and rule it states.
    pub basis: &'a str,
}

/// Stores a notice; None when the assignment has one of these terms already (another
/// instance sent it). The NOT EXISTS keeps SQLite's no-replace guard from firing.
pub async fn insert_terms(
    tx: &mut Tx,
    t: &NewTerms<'_>,
    now: i64,
) -> sqlx::Result<Option<crate::ids::TermsId>> {
    sqlx::query_scalar(
        "INSERT INTO pay_terms (assignment_id, person_id, site_id, body_ja, body_en, sent_at, basis)
         SELECT $1, $2, $3, $4, $5, $6, $7
          WHERE NOT EXISTS (SELECT 1 FROM pay_terms WHERE assignment_id = $1 AND basis = $7)
         ON CONFLICT (assignment_id, basis) DO NOTHING RETURNING id",
    )
    .bind(t.assignment)
    .bind(t.person)
    .bind(t.site)
    .bind(t.body_ja)
    .bind(t.body_en)
    .bind(now)
    .bind(t.basis)
    .fetch_optional(&mut **tx)
    .await
}

/// A notice as the worker reads it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TermsRow {
    pub id: crate::ids::TermsId,
    pub assignment_id: crate::ids::AssignmentId,
    pub site_id: SiteId,
    pub body_ja: String,
    pub body_en: String,
    pub sent_at: i64,
    pub acknowledged_at: Option<i64>,
}

/// A person's notices, newest first.
pub async fn terms_of(db: &Db, person: PersonId) -> sqlx::Result<Vec<TermsRow>> {
    sqlx::query_as(
        "SELECT t.id, t.assignment_id, t.site_id, t.body_ja, t.body_en, t.sent_at, a.acknowledged_at
           FROM pay_terms t LEFT JOIN pay_terms_acks a ON a.terms_id = t.id
          WHERE t.person_id = $1 ORDER BY t.sent_at DESC, t.id DESC",
    )
    .bind(person)
    .fetch_all(&db.pool)
    .await
}

/// Records the person's acknowledgment of their notice (once: the first instant stays);
/// false when the notice is not theirs.
pub async fn acknowledge(
    tx: &mut Tx,
    terms: crate::ids::TermsId,
    person: PersonId,
    now: i64,
) -> sqlx::Result<bool> {
    let mine: Option<i64> =
        sqlx::query_scalar("SELECT id FROM pay_terms WHERE id = $1 AND person_id = $2")
            .bind(terms)
            .bind(person)
            .fetch_optional(&mut **tx)
            .await?;
    if mine.is_none() {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO pay_terms_acks (terms_id, acknowledged_at)
         SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM pay_terms_acks WHERE terms_id = $1)
         ON CONFLICT (terms_id) DO NOTHING",
    )
    .bind(terms)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// A person's payment as the fiscal year counts it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PaidRow {
    pub site_id: SiteId,
    pub month: String,
    pub paid_on: String,
    pub amount: i64,
    pub withholding: i64,
}

/// A person's payments made from `from` to `to` (days, both included), by day.
pub async fn paid_between(
    db: &Db,
    person: PersonId,
    (from, to): (&str, &str),
) -> sqlx::Result<Vec<PaidRow>> {
    sqlx::query_as(
        "SELECT t.site_id, t.month, p.paid_on, p.amount, p.withholding
           FROM pay_payments p JOIN timesheets t ON t.id = p.timesheet_id
          WHERE t.person_id = $1 AND p.paid_on >= $2 AND p.paid_on <= $3
          ORDER BY p.paid_on, t.site_id",
    )
    .bind(person)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await
}

/// Every site.
pub async fn sites(db: &Db) -> sqlx::Result<Vec<SiteId>> {
    sqlx::query_scalar("SELECT id FROM sites ORDER BY id")
        .fetch_all(&db.pool)
        .await
}

/// The sites where the person is an accountant.
pub async fn accountant_sites(db: &Db, person: PersonId) -> sqlx::Result<Vec<SiteId>> {
    sqlx::query_scalar("SELECT site_id FROM pay_accountants WHERE person_id = $1 ORDER BY site_id")
        .bind(person)
        .fetch_all(&db.pool)
        .await
}

/// Whether the person is an accountant of the site.
pub async fn is_accountant(db: &Db, person: PersonId, site: SiteId) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pay_accountants WHERE person_id = $1 AND site_id = $2",
    )
    .bind(person)
    .bind(site)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Whether `viewer` is an accountant of a site where `owner` works.
pub async fn accountant_of(db: &Db, viewer: PersonId, owner: PersonId) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pay_accountants a JOIN role_grants g ON g.site_id = a.site_id
          WHERE a.person_id = $1 AND g.person_id = $2 AND g.role = 'worker'",
    )
    .bind(viewer)
    .bind(owner)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// The sites where the person works.
pub async fn work_sites(db: &Db, person: PersonId) -> sqlx::Result<Vec<SiteId>> {
    sqlx::query_scalar(
        "SELECT site_id FROM role_grants WHERE person_id = $1 AND role = 'worker' ORDER BY site_id",
    )
    .bind(person)
    .fetch_all(&db.pool)
    .await
}

/// Grants (or with `on` false withdraws) the accountant role at a site.
pub async fn set_accountant(
    tx: &mut Tx,
    (person, site): (PersonId, SiteId),
    on: bool,
    by: PersonId,
    now: i64,
) -> sqlx::Result<()> {
    crate::db::set_grant(
        tx,
        ("pay_accountants", "site_id"),
        (person.0, site.0),
        on,
        (by.0, now),
    )
    .await
}

/// A bank account as stored (never logged: no Debug).
#[derive(Clone, sqlx::FromRow)]
pub struct BankRow {
    pub bank_code: String,
    pub branch_code: String,
    pub account_type: String,
    pub number: String,
    pub holder_kana: String,
}

/// The person's bank account.
pub async fn bank_account(db: &Db, person: PersonId) -> sqlx::Result<Option<BankRow>> {
    sqlx::query_as(
        "SELECT bank_code, branch_code, account_type, number, holder_kana
           FROM pay_bank_accounts WHERE person_id = $1",
    )
    .bind(person)
    .fetch_optional(&db.pool)
    .await
}

/// Sets the person's bank account and records who did, when, and whether it entered a new
/// one or changed one (never the account itself).
pub async fn set_bank_account(
    tx: &mut Tx,
    person: PersonId,
    b: &BankRow,
    by: PersonId,
    now: i64,
) -> sqlx::Result<()> {
    // Two first entries at once must not both be logged as "entered": the person's row
    // orders them (a no-op on SQLite, whose writers already take turns).
    crate::db::lock_row(tx, "persons", person.0).await?;
    let existed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM pay_bank_accounts WHERE person_id = $1")
            .bind(person)
            .fetch_one(&mut **tx)
            .await?;
    sqlx::query(
        "INSERT INTO pay_bank_account_changes (person_id, changed_by, changed_at, action)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(person)
    .bind(by)
    .bind(now)
    .bind(if existed > 0 { "changed" } else { "entered" })
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO pay_bank_accounts
                (person_id, bank_code, branch_code, account_type, number, holder_kana, set_by, set_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (person_id) DO UPDATE SET bank_code = excluded.bank_code,
                branch_code = excluded.branch_code, account_type = excluded.account_type,
                number = excluded.number, holder_kana = excluded.holder_kana,
                set_by = excluded.set_by, set_at = excluded.set_at",
    )
    .bind(person)
    .bind(&b.bank_code)
    .bind(&b.branch_code)
    .bind(&b.account_type)
    .bind(&b.number)
    .bind(&b.holder_kana)
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A change of a bank account as the trail keeps it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BankChangeRow {
    pub changed_by: PersonId,
    pub changed_by_name: String,
    pub changed_at: i64,
    pub action: String,
}

/// The changes of the person's bank account, oldest first.
pub async fn bank_changes(db: &Db, person: PersonId) -> sqlx::Result<Vec<BankChangeRow>> {
    sqlx::query_as(
        "SELECT c.changed_by, p.name AS changed_by_name, c.changed_at, c.action
           FROM pay_bank_account_changes c JOIN persons p ON p.id = c.changed_by
          WHERE c.person_id = $1 ORDER BY c.id",
    )
    .bind(person)
    .fetch_all(&db.pool)
    .await
}

/// Whether the person and the site both exist.
pub async fn person_and_site(tx: &mut Tx, person: PersonId, site: SiteId) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM persons WHERE id = $1) * (SELECT COUNT(*) FROM sites WHERE id = $2)",
    )
    .bind(person)
    .bind(site)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}

/// A worker as the exports name them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExportPerson {
    pub id: PersonId,
    pub member_number: Option<String>,
    pub name: String,
    pub name_kana: String,
    pub municipality: Option<String>,
    pub team: Option<String>,
}

/// Who a site's month concerns: its workers today and everyone with a timesheet of that
/// month there (a worker whose role was withdrawn since is still paid for the month).
const MONTH_PEOPLE: &str = "(SELECT person_id FROM role_grants WHERE site_id = $1 AND role = 'worker'
                             UNION SELECT person_id FROM timesheets WHERE site_id = $1 AND month = $2)";

/// The people of a site's month with their municipality and team.
pub async fn export_people(db: &Db, site: SiteId, month: &str) -> sqlx::Result<Vec<ExportPerson>> {
    sqlx::query_as(&format!(
        "SELECT p.id, p.member_number, p.name, p.name_kana, m.name_ja AS municipality,
                t.name AS team
           FROM persons p
           LEFT JOIN municipalities m ON m.id = p.home_municipality_id
           LEFT JOIN teams t ON t.id = p.team_id
          WHERE p.id IN {MONTH_PEOPLE}
          ORDER BY p.member_number, p.id"
    ))
    .bind(site)
    .bind(month)
    .fetch_all(&db.pool)
    .await
}

/// The account a site pays from.
#[derive(Clone, sqlx::FromRow)]
pub struct PayerRow {
    pub client_code: String,
    pub name_kana: String,
    pub bank_code: String,
    pub branch_code: String,
    pub account_type: String,
    pub number: String,
}

/// The site's paying account.
pub async fn payer(db: &Db, site: SiteId) -> sqlx::Result<Option<PayerRow>> {
    sqlx::query_as(
        "SELECT client_code, name_kana, bank_code, branch_code, account_type, number
           FROM pay_payers WHERE site_id = $1",
    )
    .bind(site)
    .fetch_optional(&db.pool)
    .await
}

/// Sets the site's paying account.
pub async fn set_payer(
    tx: &mut Tx,
    site: SiteId,
    p: &PayerRow,
    by: PersonId,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO pay_payers
                (site_id, client_code, name_kana, bank_code, branch_code, account_type, number, set_by, set_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (site_id) DO UPDATE SET client_code = excluded.client_code,
                name_kana = excluded.name_kana, bank_code = excluded.bank_code,
                branch_code = excluded.branch_code, account_type = excluded.account_type,
                number = excluded.number, set_by = excluded.set_by, set_at = excluded.set_at",
    )
    .bind(site)
    .bind(&p.client_code)
    .bind(&p.name_kana)
    .bind(&p.bank_code)
    .bind(&p.branch_code)
    .bind(&p.account_type)
    .bind(&p.number)
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A worker's bank account, for the transfer file.
#[derive(Clone, sqlx::FromRow)]
pub struct AccountOf {
    pub person_id: PersonId,
    pub bank_code: String,
    pub branch_code: String,
    pub account_type: String,
    pub number: String,
    pub holder_kana: String,
}

/// The bank accounts of the people of a site's month.
pub async fn bank_accounts(db: &Db, site: SiteId, month: &str) -> sqlx::Result<Vec<AccountOf>> {
    sqlx::query_as(&format!(
        "SELECT b.person_id, b.bank_code, b.branch_code, b.account_type, b.number, b.holder_kana
           FROM pay_bank_accounts b WHERE b.person_id IN {MONTH_PEOPLE}"
    ))
    .bind(site)
    .bind(month)
    .fetch_all(&db.pool)
    .await
}
