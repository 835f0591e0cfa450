//! The use cases: a worker's statements, a site's payments of a month with its warnings,
//! marking a month paid, and the settings they depend on (rule, withholding, invoice number).

use super::errors::PayError;
use super::rules::{self, PayRule};
use super::statement::{self, Statement};
use super::store::{self, RuleRow};
use crate::attendance::month::{self, Frame, MonthView};
use crate::attendance::rules::Month;
use crate::attendance::schedule_of;
use crate::db::{Db, Tx};
use crate::error::{ApiError, ApiResult, on_constraint, on_field};
use crate::ids::{PersonId, ProjectId, RunId, SiteId, TimesheetId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// How many days before a due date an unpaid approved month is listed.
pub const DUE_SOON_DAYS: i64 = 7;
/// How many days before the act's 60th day a month not yet approved is listed.
pub const LIMIT_SOON_DAYS: i64 = 14;

/// The worker's statements of a month: one per site where that month is approved (a paid
/// one as it was paid).
pub async fn statements(
    db: &Db,
    person: PersonId,
    month: Month,
    now: DateTime<Utc>,
) -> ApiResult<Vec<Statement>> {
    let label = month.to_string();
    let invoice = store::invoice_number(db, person).await?;
    let rows = store::approved(db, Some(person), None, &label).await?;
    let paid: Vec<TimesheetId> = rows
        .iter()
        .filter(|r| r.paid_on.is_some())
        .map(|r| r.id)
        .collect();
    let lines = store::lines(db, &paid).await?;
    let mut out = Vec::new();
    for row in rows {
        if row.paid_on.is_some() {
            out.push(statement::stored(&row, &label, &lines, invoice.clone())?);
            continue;
        }
        let schedule = schedule_of(db, row.site_id).await?;
        let f = Frame::new(&schedule, row.site_id, month, now)?;
        let view = month::of(db, &f, person).await?;
        let ctx = statement::context(db, row.site_id).await?;
        out.push(statement::build(&view, &ctx, None, invoice.clone())?);
    }
    Ok(out)
}

/// A worker's line in a site's payments of a month.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PaymentRow {
    #[schema(value_type = i64)]
    pub person_id: PersonId,
    pub name: String,
    pub member_number: Option<String>,
    /// The timesheet's status: open, submitted, returned, approved or reopened.
    pub status: String,
    pub approved: bool,
    pub minutes: i64,
    /// Amount, withholding and total: for approved months only (a paid one's as paid).
    pub amount: Option<i64>,
    pub withholding: Option<i64>,
    pub total: Option<i64>,
    pub paid_on: Option<String>,
    /// The payment run that paid it.
    #[schema(value_type = Option<i64>)]
    pub run_id: Option<RunId>,
}

/// Something a director must act on soon.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Warning {
    /// due_soon: approved, unpaid, due within 7 days (or overdue); not_approved: not approved
    /// yet, within 14 days of the act's 60th day (or past it).
    pub kind: String,
    pub month: String,
    #[schema(value_type = i64)]
    pub person_id: PersonId,
    pub name: String,
    /// The due date (due_soon) or the act's 60th day (not_approved).
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// Days from today (negative: past).
    pub days_left: i64,
}

/// A payment run: the timesheets one mark-paid paid, on which day, by whom.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Run {
    #[schema(value_type = i64)]
    pub id: RunId,
    #[schema(value_type = String, format = Date)]
    pub paid_on: String,
    #[schema(value_type = i64)]
    pub paid_by: PersonId,
    pub paid_by_name: String,
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: DateTime<Utc>,
    /// How many workers it paid, and the sums as paid.
    pub payments: i64,
    pub amount: i64,
    pub withholding: i64,
    pub total: i64,
}

/// A site's payments of a month.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Payments {
    pub month: String,
    #[schema(value_type = String, format = Date)]
    pub due_on: NaiveDate,
    /// The act's 60th day from the close.
    #[schema(value_type = String, format = Date)]
    pub legal_limit: NaiveDate,
    pub rows: Vec<PaymentRow>,
    /// The total of the approved months.
    pub amount: i64,
    pub withholding: i64,
    pub total: i64,
    /// The total of the approved months not paid yet.
    pub unpaid_total: i64,
    /// The month's payment runs, oldest first.
    pub runs: Vec<Run>,
    /// The site's warnings as of today, over the three months before this one.
    pub warnings: Vec<Warning>,
}

/// A worker's month at a site as pay sees it.
pub struct Line {
    pub view: std::sync::Arc<MonthView>,
    pub approved: bool,
    pub paid: bool,
    /// For an approved month: its statement (a paid one as stored).
    pub statement: Option<Statement>,
    pub sheet: Option<TimesheetId>,
    pub run: Option<RunId>,
}

/// Every month at the site of the people it concerns (its workers today and anyone with a
/// timesheet there), with the approved ones' statements (None: without them, for the
/// warnings, which need no amounts).
pub async fn lines_of(
    db: &Db,
    (site, month): (SiteId, Month),
    ctx: Option<&statement::Context>,
    now: DateTime<Utc>,
) -> ApiResult<(Vec<store::MonthPerson>, Vec<Line>)> {
    let label = month.to_string();
    let people = store::people_of_month(db, site, &label).await?;
    let schedule = schedule_of(db, site).await?;
    let f = Frame::new(&schedule, site, month, now)?;
    let ids: Vec<PersonId> = people.iter().map(|p| p.id).collect();
    let views = month::of_site(db, &f, &ids).await?;
    let approved: BTreeMap<PersonId, store::ApprovedRow> =
        store::approved(db, None, Some(site), &label)
            .await?
            .into_iter()
            .map(|r| (r.person_id, r))
            .collect();
    let paid: Vec<TimesheetId> = approved
        .values()
        .filter(|r| r.paid_on.is_some())
        .map(|r| r.id)
        .collect();
    let stored = store::lines(db, &paid).await?;
    let lines = views
        .into_iter()
        .map(|v| {
            let row = approved.get(&v.person_id);
            let statement = match (row, ctx) {
                (Some(r), Some(_)) if r.paid_on.is_some() => {
                    Some(statement::stored(r, &label, &stored, None)?)
                }
                (Some(_), Some(ctx)) => Some(statement::build(&v, ctx, None, None)?),
                _ => None,
            };
            Ok(Line {
                approved: row.is_some(),
                paid: row.is_some_and(|r| r.paid_on.is_some()),
                statement,
                sheet: row.map(|r| r.id),
                run: row.and_then(|r| r.run_id),
                view: v,
            })
        })
        .collect::<ApiResult<Vec<Line>>>()?;
    Ok((people, lines))
}

/// Which approved months of a site's month an export covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// Every approved month, paid or not.
    All,
    /// The approved months not paid yet.
    Unpaid,
    /// The months one run paid, as paid.
    Run(RunId),
}

/// The statements of a site's approved months (those `which` selects), and the people with
/// time whose month is not approved.
pub async fn statements_of_site(
    db: &Db,
    site: SiteId,
    month: Month,
    which: Which,
    now: DateTime<Utc>,
) -> ApiResult<(Vec<Statement>, Vec<PersonId>)> {
    let ctx = statement::context(db, site).await?;
    let mut done = Vec::new();
    let mut missing = Vec::new();
    for l in lines_of(db, (site, month), Some(&ctx), now).await?.1 {
        match (l.statement, which) {
            (Some(s), Which::All) => done.push(s),
            (Some(s), Which::Unpaid) if s.paid_on.is_none() => done.push(s),
            (Some(s), Which::Run(r)) if l.run == Some(r) => done.push(s),
            (Some(_), _) => {}
            (None, _) if l.view.total_minutes > 0 => missing.push(l.view.person_id),
            (None, _) => {}
        }
    }
    Ok((done, missing))
}

/// The site's payments of a month, its runs, and its warnings as of `now`.
pub async fn of_month(
    db: &Db,
    site: SiteId,
    month: Month,
    now: DateTime<Utc>,
) -> ApiResult<Payments> {
    let ctx = statement::context(db, site).await?;
    let (people, lines) = lines_of(db, (site, month), Some(&ctx), now).await?;
    let names: BTreeMap<PersonId, &store::MonthPerson> = people.iter().map(|p| (p.id, p)).collect();
    let mut rows = Vec::new();
    for l in lines {
        let v = &l.view;
        if v.total_minutes == 0 && v.timesheet_id.is_none() {
            continue;
        }
        let p = names.get(&v.person_id);
        let s = l.statement;
        rows.push(PaymentRow {
            person_id: v.person_id,
            name: p.map_or(String::new(), |p| p.name.clone()),
            member_number: p.and_then(|p| p.member_number.clone()),
            status: v.status.clone(),
            approved: s.is_some(),
            minutes: v.total_minutes,
            amount: s.as_ref().map(|s| s.amount),
            withholding: s.as_ref().map(|s| s.withholding),
            total: s.as_ref().map(|s| s.total),
            paid_on: s.and_then(|s| s.paid_on),
            run_id: l.run,
        });
    }
    let warnings = warnings(db, site, &ctx, now).await?;
    let runs = store::runs(db, site, &month.to_string())
        .await?
        .into_iter()
        .map(|r| Run {
            id: r.id,
            paid_on: r.paid_on,
            paid_by: r.paid_by,
            paid_by_name: r.paid_by_name,
            recorded_at: DateTime::from_timestamp(r.created_at, 0).unwrap_or_default(),
            payments: r.payments,
            amount: r.amount,
            withholding: r.withholding,
            total: r.amount - r.withholding,
        })
        .collect();
    let sum = |f: fn(&PaymentRow) -> Option<i64>| rows.iter().filter_map(f).sum();
    Ok(Payments {
        month: month.to_string(),
        due_on: rules::due_date(ctx.rule, month)
            .ok_or_else(|| anyhow::anyhow!("no due date for {month:?}"))?,
        legal_limit: rules::legal_limit(month)
            .ok_or_else(|| anyhow::anyhow!("no legal limit for {month:?}"))?,
        amount: sum(|r| r.amount),
        withholding: sum(|r| r.withholding),
        total: sum(|r| r.total),
        unpaid_total: sum(|r| r.paid_on.is_none().then_some(r.total).flatten()),
        rows,
        runs,
        warnings,
    })
}

/// Approved and unpaid months due soon, and months not yet approved near the act's limit,
/// over the three closed months before today's (a month older than that is past any rule).
async fn warnings(
    db: &Db,
    site: SiteId,
    ctx: &statement::Context,
    now: DateTime<Utc>,
) -> ApiResult<Vec<Warning>> {
    let schedule = schedule_of(db, site).await?;
    let today = now.with_timezone(&schedule.tz).date_naive();
    let mut out = Vec::new();
    let mut first = today;
    for _ in 0..3 {
        let Some(prev) = Month::of(first).first_day().and_then(|d| d.pred_opt()) else {
            break;
        };
        first = prev;
        let month = Month::of(prev);
        let (Some(due), Some(limit)) =
            (rules::due_date(ctx.rule, month), rules::legal_limit(month))
        else {
            continue;
        };
        let due_near = (due - today).num_days() <= DUE_SOON_DAYS;
        let limit_near = (limit - today).num_days() <= LIMIT_SOON_DAYS;
        // Only a month near its 60th day needs the months themselves (who has time not
        // approved); one near its due date needs its approved timesheets only.
        let found: Vec<(&str, NaiveDate, PersonId)> = if limit_near {
            lines_of(db, (site, month), None, now)
                .await?
                .1
                .into_iter()
                .filter_map(|l| match (l.approved, l.paid) {
                    (true, false) if due_near => Some(("due_soon", due, l.view.person_id)),
                    (false, _) if l.view.total_minutes > 0 => {
                        Some(("not_approved", limit, l.view.person_id))
                    }
                    _ => None,
                })
                .collect()
        } else if due_near {
            store::approved(db, None, Some(site), &month.to_string())
                .await?
                .into_iter()
                .filter(|r| r.paid_on.is_none())
                .map(|r| ("due_soon", due, r.person_id))
                .collect()
        } else {
            continue;
        };
        if found.is_empty() {
            continue;
        }
        let people = store::people_of_month(db, site, &month.to_string()).await?;
        for (kind, date, person) in found {
            out.push(Warning {
                kind: kind.into(),
                month: month.to_string(),
                person_id: person,
                name: people
                    .iter()
                    .find(|p| p.id == person)
                    .map_or(String::new(), |p| p.name.clone()),
                date,
                days_left: (date - today).num_days(),
            });
        }
    }
    out.sort_by_key(|w| (w.date, w.person_id));
    Ok(out)
}

/// Refuses a payment day after today (in the site's zone) or before the month's close.
pub fn check_paid_on(paid_on: NaiveDate, month: Month, today: NaiveDate) -> ApiResult<()> {
    if paid_on > today {
        return Err(on_field(PayError::PaidOnFuture, "paid_on", None).with("today", today));
    }
    let close = rules::close(month).ok_or_else(|| anyhow::anyhow!("no close for {month:?}"))?;
    if paid_on < close {
        return Err(on_field(PayError::PaidOnEarly, "paid_on", None).with("close", close));
    }
    Ok(())
}

/// Pays the site's approved and unpaid months of `month` in one run on `paid_on`, storing
/// each one's amounts per project as paid; None when nothing was left unpaid (marking twice
/// changes nothing). The statements are read before the write transaction (an approved
/// month's time and rates are locked), so that runs waiting for the site's lock hold no
/// more than their own connection; the database refuses paying a timesheet twice.
pub async fn mark_paid(
    db: &Db,
    (site, month): (SiteId, Month),
    paid_on: NaiveDate,
    by: PersonId,
    now: DateTime<Utc>,
) -> ApiResult<Option<RunId>> {
    let schedule = schedule_of(db, site).await?;
    check_paid_on(paid_on, month, now.with_timezone(&schedule.tz).date_naive())?;
    let label = month.to_string();
    // Which months, as decided before the amounts are computed: a month reopened (and
    // perhaps approved again) meanwhile is left for the next run, never paid at old amounts.
    let mut read = db.begin_read().await?;
    let before = store::unpaid(&mut read, site, &label, false).await?;
    read.rollback().await?;
    let ctx = statement::context(db, site).await?;
    let (_, lines) = lines_of(db, (site, month), Some(&ctx), now).await?;
    let mut tx = db.begin().await?;
    crate::db::lock_row(&mut tx, "sites", site.0).await?;
    let unpaid: Vec<_> = store::unpaid(&mut tx, site, &label, true)
        .await?
        .into_iter()
        .filter(|now_is| before.contains(now_is))
        .map(|(sheet, _)| sheet)
        .collect();
    let due: Vec<(TimesheetId, Statement)> = lines
        .into_iter()
        .filter_map(|l| Some((l.sheet?, l.statement?)))
        .filter(|(sheet, s)| unpaid.contains(sheet) && s.paid_on.is_none())
        .collect();
    if due.is_empty() {
        return Ok(None);
    }
    let paid_on = paid_on.to_string();
    let run = store::insert_run(&mut tx, (site, &label), &paid_on, by, now.timestamp()).await?;
    for (sheet, s) in due {
        let due_on = s.due_on.to_string();
        let payment = store::NewPayment {
            sheet,
            run,
            paid_on: &paid_on,
            amount: s.amount,
            withholding: s.withholding,
            due_on: &due_on,
        };
        store::insert_payment(&mut tx, &payment, by, now.timestamp())
            .await
            .map_err(|e| {
                on_constraint(e, |c| {
                    (c == "pay_paid_twice" || c.starts_with("pay_payments_"))
                        .then(|| ApiError::from(PayError::PaidTwice))
                })
            })?;
        for p in &s.projects {
            store::insert_line(
                &mut tx,
                &store::LineRow {
                    timesheet_id: sheet,
                    project_id: p.project_id,
                    project_name: p.name.clone(),
                    minutes: p.minutes,
                    rates: statement::rates_text(&p.rates),
                    amount: p.amount,
                    withholding_on: i64::from(p.withholding_on),
                    withholding: p.withholding,
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(Some(run))
}

/// A payment counted in a fiscal year.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct YearPayment {
    #[schema(value_type = i64)]
    pub site_id: SiteId,
    /// The month it paid, YYYY-MM.
    pub month: String,
    #[schema(value_type = String, format = Date)]
    pub paid_on: String,
    pub amount: i64,
    pub withholding: i64,
    pub total: i64,
}

/// A worker's fiscal year (April to March): what was paid in it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FiscalYear {
    /// The year it starts in: 2026 runs from 2026-04-01 to 2027-03-31.
    pub fiscal_year: i32,
    #[schema(value_type = String, format = Date)]
    pub first_day: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub last_day: NaiveDate,
    pub amount: i64,
    pub withholding: i64,
    pub total: i64,
    pub payments: Vec<YearPayment>,
}

/// The fiscal year a day falls in (April to March).
pub fn fiscal_year_of(day: NaiveDate) -> i32 {
    use chrono::Datelike;
    if day.month() >= 4 {
        day.year()
    } else {
        day.year() - 1
    }
}

/// The payments made to a person in a fiscal year (by the day paid); the current one, as of
/// today in the zone of their first site, when `year` is None.
pub async fn fiscal_year(
    db: &Db,
    person: PersonId,
    year: Option<i32>,
    now: DateTime<Utc>,
) -> ApiResult<FiscalYear> {
    let year = match year {
        Some(y) => y,
        None => {
            let tz = match store::work_sites(db, person).await?.first() {
                Some(site) => schedule_of(db, *site).await?.tz,
                None => chrono_tz::Asia::Tokyo,
            };
            fiscal_year_of(now.with_timezone(&tz).date_naive())
        }
    };
    let bad = || crate::error::invalid_code("year", crate::error::CommonError::Validation);
    if !(2000..=2100).contains(&year) {
        return Err(bad());
    }
    let first_day = NaiveDate::from_ymd_opt(year, 4, 1).ok_or_else(bad)?;
    let last_day = NaiveDate::from_ymd_opt(year + 1, 3, 31).ok_or_else(bad)?;
    let payments: Vec<YearPayment> =
        store::paid_between(db, person, (&first_day.to_string(), &last_day.to_string()))
            .await?
            .into_iter()
            .map(|p| YearPayment {
                site_id: p.site_id,
                month: p.month,
                paid_on: p.paid_on,
                amount: p.amount,
                withholding: p.withholding,
                total: p.amount - p.withholding,
            })
            .collect();
    Ok(FiscalYear {
        fiscal_year: year,
        first_day,
        last_day,
        amount: payments.iter().map(|p| p.amount).sum(),
        withholding: payments.iter().map(|p| p.withholding).sum(),
        total: payments.iter().map(|p| p.total).sum(),
        payments,
    })
}

/// Sets the site's payment rule: refused beyond the act's 60 days, naming the month.
pub async fn set_rule(
    tx: &mut Tx,
    site: SiteId,
    (day, months_after): (i64, i64),
    by: PersonId,
    now: DateTime<Utc>,
) -> ApiResult<PayRule> {
    let d = u32::try_from(day)
        .ok()
        .filter(|d| (1..=31).contains(d))
        .ok_or_else(|| on_field(PayError::BadPayDay, "day", None))?;
    let n = u32::try_from(months_after)
        .ok()
        .filter(|n| (1..=2).contains(n))
        .ok_or_else(|| on_field(PayError::BadMonthsAfter, "months_after", None))?;
    let rule = PayRule {
        day: d,
        months_after: n,
    };
    rules::check(rule).map_err(|late| {
        on_field(PayError::TooLate, "day", None)
            .with("month", late.month)
            .with("due", late.due)
            .with("days", late.days)
    })?;
    store::set_rule(
        tx,
        site,
        RuleRow {
            pay_day: day,
            months_after,
        },
        by,
        now.timestamp(),
    )
    .await?;
    Ok(rule)
}

/// Switches withholding for a project; only a director of the project's site.
pub async fn set_withholding(
    tx: &mut Tx,
    project: ProjectId,
    on: bool,
    may: impl Fn(SiteId) -> bool,
    by: PersonId,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    match crate::attendance::store::project_site(tx, project).await? {
        None => return Err(ApiError::not_found("プロジェクト", "Project")),
        Some(site) if !may(site) => return Err(ApiError::forbidden()),
        Some(_) => {}
    }
    store::set_withholding(tx, project, on, by, now.timestamp()).await?;
    Ok(())
}

/// Whether a registration number is T and 13 digits.
pub fn valid_invoice_number(n: &str) -> bool {
    n.len() == 14 && n.starts_with('T') && n[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Sets (or with None removes) my registration number.
pub async fn set_invoice_number(
    tx: &mut Tx,
    person: PersonId,
    number: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    if number.is_some_and(|n| !valid_invoice_number(n)) {
        return Err(on_field(PayError::BadInvoiceNumber, "invoice_number", None));
    }
    store::set_invoice_number(tx, person, number, now.timestamp()).await?;
    Ok(())
}
