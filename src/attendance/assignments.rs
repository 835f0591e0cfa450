//! Which client projects a worker may put hours on, from when to when, at which hourly rate.
//! A director of the project's site assigns; a rate applies from its day on, never
//! backwards: a rate that would change an approved month is refused.

use super::errors::AttendanceError;
use super::rules::Month;
use super::store::{self, NewAssignment};
use crate::db::Tx;
use crate::error::{ApiResult, on_field};
use crate::ids::{AssignmentId, PersonId, ProjectId, SiteId};
use chrono::NaiveDate;

/// An assignment as a director gives it.
pub struct Assign {
    pub site: SiteId,
    pub person: PersonId,
    pub project: ProjectId,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub yen_per_hour: i64,
    pub by: PersonId,
}

/// Assigns a worker of the site to one of its projects, with the first rate.
pub async fn assign(tx: &mut Tx, a: &Assign, now: i64) -> ApiResult<AssignmentId> {
    if store::project_site(tx, a.project).await? != Some(a.site) {
        return Err(on_field(
            AttendanceError::OtherSiteProject,
            "project_id",
            None,
        ));
    }
    if !store::works_at(tx, a.person, a.site).await? {
        return Err(on_field(AttendanceError::NotAWorker, "person_id", None));
    }
    if a.ends_on.is_some_and(|e| e < a.starts_on) {
        return Err(on_field(AttendanceError::EndBeforeStart, "ends_on", None));
    }
    let (starts, ends) = (a.starts_on.to_string(), a.ends_on.map(|d| d.to_string()));
    // One period at a time per person and project: a day's rate is never ambiguous.
    crate::db::lock_row(tx, "persons", a.person.0).await?;
    let overlaps = store::periods(tx, a.person, a.project)
        .await?
        .into_iter()
        .any(|(from, to)| {
            ends.as_ref().is_none_or(|e| from <= *e) && to.is_none_or(|t| starts <= t)
        });
    if overlaps {
        return Err(on_field(
            AttendanceError::AssignmentOverlap,
            "starts_on",
            None,
        ));
    }
    let id = store::insert_assignment(
        tx,
        &NewAssignment {
            person: a.person,
            project: a.project,
            starts_on: &starts,
            ends_on: ends.as_deref(),
            by: a.by,
        },
        now,
    )
    .await?;
    add_rate(
        tx,
        (a.site, a.person, id),
        a.starts_on,
        a.yen_per_hour,
        a.by,
        now,
    )
    .await?;
    Ok(id)
}

/// Adds a rate from `starts_on` on: refused when it would change an approved month of the
/// worker at the site, or when a rate starts that day already.
pub async fn add_rate(
    tx: &mut Tx,
    (site, person, assignment): (SiteId, PersonId, AssignmentId),
    starts_on: NaiveDate,
    yen_per_hour: i64,
    by: PersonId,
    now: i64,
) -> ApiResult<()> {
    // The same lock as an approval's: a rate never lands in a month being approved.
    crate::db::lock_row(tx, "persons", person.0).await?;
    if let Some(approved) = store::last_approved(tx, person, site).await?
        && Month::of(starts_on).to_string() <= approved
    {
        return Err(
            on_field(AttendanceError::RateBackdated, "starts_on", None).with("month", approved)
        );
    }
    if !store::insert_rate(
        tx,
        assignment,
        &starts_on.to_string(),
        yen_per_hour,
        by,
        now,
    )
    .await?
    {
        return Err(on_field(AttendanceError::RateTaken, "starts_on", None));
    }
    Ok(())
}
