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
use crate::error::{ApiError, ApiResult, on_field};
use crate::ids::{PersonId, ProjectId, SiteId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// How many days before a due date an unpaid approved month is listed.
pub const DUE_SOON_DAYS: i64 = 7;
/// How many days before the act's 60th day a month not yet approved is listed.
pub const LIMIT_SOON_DAYS: i64 = 14;

/// The worker's statements of a month: one per site where that month is approved.
pub async fn statements(
    db: &Db,
    person: PersonId,
    month: Month,
    now: DateTime<Utc>,
) -> ApiResult<Vec<Statement>> {
    let label = month.to_string();
    let invoice = store::invoice_number(db, person).await?;
    let mut out = Vec::new();
    for row in store::approved(db, Some(person), None, &label).await? {
        let schedule = schedule_of(db, row.site_id).await?;
        let f = Frame::new(&schedule, row.site_id, month, now)?;
        let view = month::of(db, &f, person).await?;
        let ctx = statement::context(db, row.site_id).await?;
        out.push(statement::build(&view, &ctx, row.paid_on, invoice.clone())?);
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
    /// Amount, withholding and total: for approved months only.
    pub amount: Option<i64>,
    pub withholding: Option<i64>,
    pub total: Option<i64>,
    pub paid_on: Option<String>,
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
    /// The site's warnings as of today, over the three months before this one.
    pub warnings: Vec<Warning>,
}

struct Site {
    id: SiteId,
    workers: Vec<crate::attendance::store::WorkerRow>,
    ctx: statement::Context,
}

/// Every worker's month at the site with, for approved ones, their statement.
async fn month_of(
    db: &Db,
    site: &Site,
    month: Month,
    now: DateTime<Utc>,
) -> ApiResult<Vec<(MonthView, Option<Statement>)>> {
    let schedule = schedule_of(db, site.id).await?;
    let f = Frame::new(&schedule, site.id, month, now)?;
    let ids: Vec<PersonId> = site.workers.iter().map(|w| w.id).collect();
    let views = month::of_site(db, &f, &ids).await?;
    let paid: BTreeMap<PersonId, Option<String>> =
        store::approved(db, None, Some(site.id), &month.to_string())
            .await?
            .into_iter()
            .map(|r| (r.person_id, r.paid_on))
            .collect();
    views
        .into_iter()
        .map(|v| {
            let s = match paid.get(&v.person_id) {
                Some(p) => Some(statement::build(&v, &site.ctx, p.clone(), None)?),
                None => None,
            };
            Ok((v, s))
        })
        .collect()
}

/// The statements of a site's approved months, and the workers with time whose month is
/// not approved.
pub async fn statements_of_site(
    db: &Db,
    site: SiteId,
    month: Month,
    now: DateTime<Utc>,
) -> ApiResult<(Vec<Statement>, Vec<PersonId>)> {
    let site = Site {
        id: site,
        workers: crate::attendance::store::workers(db, site, None).await?,
        ctx: statement::context(db, site).await?,
    };
    let mut done = Vec::new();
    let mut missing = Vec::new();
    for (v, s) in month_of(db, &site, month, now).await? {
        match s {
            Some(s) => done.push(s),
            None if v.total_minutes > 0 => missing.push(v.person_id),
            None => {}
        }
    }
    Ok((done, missing))
}

/// The site's payments of a month, and its warnings as of `now`.
pub async fn of_month(
    db: &Db,
    site: SiteId,
    month: Month,
    now: DateTime<Utc>,
) -> ApiResult<Payments> {
    let site = Site {
        id: site,
        workers: crate::attendance::store::workers(db, site, None).await?,
        ctx: statement::context(db, site).await?,
    };
    let names: BTreeMap<PersonId, (&str, Option<&String>)> = site
        .workers
        .iter()
        .map(|w| (w.id, (w.name.as_str(), w.member_number.as_ref())))
        .collect();
    let mut rows = Vec::new();
    for (v, s) in month_of(db, &site, month, now).await? {
        if v.total_minutes == 0 && v.timesheet_id.is_none() {
            continue;
        }
        let (name, member) = names.get(&v.person_id).copied().unwrap_or(("", None));
        rows.push(PaymentRow {
            person_id: v.person_id,
            name: name.to_string(),
            member_number: member.cloned(),
            status: v.status.clone(),
            approved: s.is_some(),
            minutes: v.total_minutes,
            amount: s.as_ref().map(|s| s.amount),
            withholding: s.as_ref().map(|s| s.withholding),
            total: s.as_ref().map(|s| s.total),
            paid_on: s.and_then(|s| s.paid_on),
        });
    }
    let warnings = warnings(db, &site, &names, now).await?;
    let sum = |f: fn(&PaymentRow) -> Option<i64>| rows.iter().filter_map(f).sum();
    Ok(Payments {
        month: month.to_string(),
        due_on: rules::due_date(site.ctx.rule, month)
            .ok_or_else(|| anyhow::anyhow!("no due date for {month:?}"))?,
        legal_limit: rules::legal_limit(month)
            .ok_or_else(|| anyhow::anyhow!("no legal limit for {month:?}"))?,
        amount: sum(|r| r.amount),
        withholding: sum(|r| r.withholding),
        total: sum(|r| r.total),
        rows,
        warnings,
    })
}

/// Approved and unpaid months due soon, and months not yet approved near the act's limit,
/// over the three closed months before today's (a month older than that is past any rule).
async fn warnings(
    db: &Db,
    site: &Site,
    names: &BTreeMap<PersonId, (&str, Option<&String>)>,
    now: DateTime<Utc>,
) -> ApiResult<Vec<Warning>> {
    let schedule = schedule_of(db, site.id).await?;
    let today = now.with_timezone(&schedule.tz).date_naive();
    let mut out = Vec::new();
    let mut first = today;
    for _ in 0..3 {
        let Some(prev) = Month::of(first).first_day().and_then(|d| d.pred_opt()) else {
            break;
        };
        first = prev;
        let month = Month::of(prev);
        let (Some(due), Some(limit)) = (
            rules::due_date(site.ctx.rule, month),
            rules::legal_limit(month),
        ) else {
            continue;
        };
        for (v, s) in month_of(db, site, month, now).await? {
            let (kind, date) = match &s {
                Some(s) if s.paid_on.is_none() && (due - today).num_days() <= DUE_SOON_DAYS => {
                    ("due_soon", due)
                }
                None if v.total_minutes > 0 && (limit - today).num_days() <= LIMIT_SOON_DAYS => {
                    ("not_approved", limit)
                }
                _ => continue,
            };
            out.push(Warning {
                kind: kind.into(),
                month: month.to_string(),
                person_id: v.person_id,
                name: names.get(&v.person_id).map_or("", |n| n.0).to_string(),
                date,
                days_left: (date - today).num_days(),
            });
        }
    }
    out.sort_by_key(|w| (w.date, w.person_id));
    Ok(out)
}

/// Marks every approved month of the site's month paid on `paid_on`, keeping its amounts;
/// one already marked keeps its first date (marking twice changes nothing). Answers how
/// many were marked now.
pub async fn mark_paid(
    tx: &mut Tx,
    db: &Db,
    (site, month): (SiteId, Month),
    paid_on: NaiveDate,
    by: PersonId,
    now: DateTime<Utc>,
) -> ApiResult<usize> {
    let site = Site {
        id: site,
        workers: crate::attendance::store::workers(db, site, None).await?,
        ctx: statement::context(db, site).await?,
    };
    let approved = store::approved(db, None, Some(site.id), &month.to_string()).await?;
    let by_person: BTreeMap<PersonId, &store::ApprovedRow> =
        approved.iter().map(|r| (r.person_id, r)).collect();
    let mut marked = 0;
    for (_, s) in month_of(db, &site, month, now).await? {
        let Some(s) = s else { continue };
        let Some(row) = by_person.get(&s.person_id) else {
            continue;
        };
        if store::mark_paid(
            tx,
            row.id,
            &paid_on.to_string(),
            (s.amount, s.withholding),
            by,
            now.timestamp(),
        )
        .await?
        {
            marked += 1;
        }
    }
    Ok(marked)
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
