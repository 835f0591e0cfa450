//! A month's way from the worker to the director: submit (once the month is over and nothing
//! is left to resolve), return with a comment, approve (the database locks it from then on),
//! reopen with a reason. Each transition is a conditional update on the locked timesheet and a
//! line of its history, in one transaction; the worker is told by e-mail of a return or an
//! approval.

use super::errors::AttendanceError;
use super::month::{self, Frame};
use super::rules::MonthStatus;
use super::store::{self, Change, TimesheetRow};
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, on_field};
use crate::ids::{PersonId, TimesheetId};
use chrono::{DateTime, Utc};

/// What a director (or the worker, submitting) does to a month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Submit,
    Return,
    Approve,
    Reopen,
}

impl Step {
    fn what(self) -> &'static str {
        match self {
            Step::Submit => "submitted",
            Step::Return => "returned",
            Step::Approve => "approved",
            Step::Reopen => "reopened",
        }
    }

    fn apply(self, s: MonthStatus) -> Result<MonthStatus, AttendanceError> {
        match self {
            Step::Submit => s.submit(),
            Step::Return => s.give_back(),
            Step::Approve => s.approve(),
            Step::Reopen => s.reopen(),
        }
    }
}

/// Refuses (409 listing them) while the month has flags to resolve; read on the transaction's
/// connection, under the timesheet's lock: an entry written meanwhile waits for it.
pub async fn require_no_flags(tx: &mut Tx, f: &Frame<'_>, person: PersonId) -> ApiResult<()> {
    let view = month::read(tx, f, person).await?;
    if view.flags.is_empty() {
        return Ok(());
    }
    let (ja, en) = view.flag_list();
    Err(ApiError::from(AttendanceError::Unresolved).with_text("flags", &ja, &en))
}

/// Submits the worker's month: refused while it is not over, and (409 listing them) while a
/// flag is unresolved.
pub async fn submit(
    tx: &mut Tx,
    f: &Frame<'_>,
    person: PersonId,
    now: DateTime<Utc>,
) -> ApiResult<TimesheetRow> {
    if now < f.bounds.1 {
        return Err(AttendanceError::MonthNotOver.into());
    }
    let sheet = store::sheet_for(
        tx,
        person,
        f.site,
        &f.month.to_string(),
        (f.bounds.0.timestamp(), f.bounds.1.timestamp()),
    )
    .await?;
    require_no_flags(tx, f, person).await?;
    step(tx, sheet, Step::Submit, person, None, now).await
}

/// Moves a locked timesheet one step and writes the step into its history.
pub async fn step(
    tx: &mut Tx,
    sheet: TimesheetRow,
    step: Step,
    by: PersonId,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<TimesheetRow> {
    let from = MonthStatus::parse(&sheet.status).ok_or_else(|| {
        anyhow::anyhow!(
            "timesheets row {}: unknown status {}",
            sheet.id,
            sheet.status
        )
    })?;
    let to = step.apply(from)?;
    // Rates and approvals of one person wait for each other (a rate never lands in a month
    // being approved).
    crate::db::lock_row(tx, "persons", sheet.person_id.0).await?;
    let comment = matches!(step, Step::Return | Step::Approve)
        .then_some(note)
        .flatten();
    let moved = store::set_status(
        tx,
        sheet.id,
        (from.as_str(), to.as_str()),
        by,
        now.timestamp(),
        comment,
    )
    .await
    // The database keeps a paid month approved (pay's guard: its amounts went to the bank).
    .map_err(|e| {
        crate::error::on_constraint(e, |c| {
            (c == "pay_month_paid").then(|| ApiError::from(AttendanceError::MonthPaid))
        })
    })?;
    if !moved {
        return Err(AttendanceError::AlreadySubmitted.into());
    }
    let change = Change {
        sheet: sheet.id,
        entry: None,
        by,
        what: step.what(),
        before: Some(from.as_str().into()),
        after: Some(to.as_str().into()),
        reason: note,
    };
    store::record(tx, &change, now.timestamp()).await?;
    Ok(TimesheetRow {
        status: to.as_str().into(),
        ..sheet
    })
}

/// A timesheet by id, locked; a 404 when there is none.
pub async fn locked(tx: &mut Tx, id: TimesheetId) -> ApiResult<TimesheetRow> {
    store::sheet_locked(tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("勤務表", "Timesheet"))
}

/// Refuses a change to a submitted or approved month, and one without a reason to a reopened
/// month.
pub fn open_to_worker(sheet: &TimesheetRow, reason: Option<&str>) -> ApiResult<()> {
    let status = MonthStatus::parse(&sheet.status).ok_or_else(|| {
        anyhow::anyhow!(
            "timesheets row {}: unknown status {}",
            sheet.id,
            sheet.status
        )
    })?;
    match status {
        MonthStatus::Approved => Err(AttendanceError::MonthLocked.into()),
        MonthStatus::Submitted => Err(AttendanceError::AlreadySubmitted.into()),
        MonthStatus::Reopened if reason.is_none_or(|r| r.trim().is_empty()) => Err(on_field(
            crate::error::CommonError::Required,
            "reason",
            None,
        )),
        _ => Ok(()),
    }
}
