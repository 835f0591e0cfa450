//! The pure decisions of secure rooms: whether a person is eligible for a room at an instant
//! (roster, NDA, required training, through any one of the room's projects), and whether the
//! door lets them in (eligible, checked in at the site, holding a booking of a seat in the room
//! now unless the roster is enough). No I/O, no clock: every fact comes in as a value.

use crate::ids::{CourseId, ProjectId};
use chrono::NaiveDate;

/// A roster line: on the project from `from` through `to` (local dates, inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// A required course and the person's latest completion of it at the instant: when it was
/// completed and when it stops being current (None: never).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseFact {
    pub course_id: CourseId,
    pub name_ja: String,
    pub name_en: String,
    pub completion: Option<(i64, Option<i64>)>,
}

/// What is known about one of the room's projects for one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectFacts {
    pub project_id: ProjectId,
    pub roster: Option<Span>,
    /// The NDA: signed on, last day it holds (None: no expiry).
    pub nda: Option<Span>,
    pub courses: Vec<CourseFact>,
}

/// Why a person may not enter or book a secure room, the most useful first in each project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The room is used by no project.
    NoProject,
    NotOnRoster,
    RosterNotStarted {
        from: NaiveDate,
    },
    RosterEnded {
        to: NaiveDate,
    },
    NoNda,
    NdaNotSigned {
        signed: NaiveDate,
    },
    NdaExpired {
        last_day: NaiveDate,
    },
    CourseMissing {
        name_ja: String,
        name_en: String,
    },
    /// `until` is the instant it stopped being current.
    CourseExpired {
        name_ja: String,
        name_en: String,
        until: i64,
    },
    NotCheckedIn,
    NoBooking,
}

impl Refusal {
    /// How far a project got before this refusal: the project that got furthest explains why.
    fn stage(&self) -> u8 {
        match self {
            Refusal::NoProject => 0,
            Refusal::NotOnRoster => 1,
            Refusal::RosterNotStarted { .. } | Refusal::RosterEnded { .. } => 2,
            Refusal::NoNda => 3,
            Refusal::NdaNotSigned { .. } | Refusal::NdaExpired { .. } => 4,
            Refusal::CourseMissing { .. } | Refusal::CourseExpired { .. } => 5,
            Refusal::NotCheckedIn => 6,
            Refusal::NoBooking => 7,
        }
    }
}

fn within(span: Span, day: NaiveDate) -> Result<(), Span> {
    if day < span.from || span.to.is_some_and(|to| day > to) {
        Err(span)
    } else {
        Ok(())
    }
}

/// Whether one project admits the person on local day `day` at instant `at`.
pub fn project_admits(p: &ProjectFacts, day: NaiveDate, at: i64) -> Result<(), Refusal> {
    let roster = p.roster.ok_or(Refusal::NotOnRoster)?;
    within(roster, day).map_err(|s| match s.to {
        Some(to) if day > to => Refusal::RosterEnded { to },
        _ => Refusal::RosterNotStarted { from: s.from },
    })?;
    let nda = p.nda.ok_or(Refusal::NoNda)?;
    within(nda, day).map_err(|s| match s.to {
        Some(last_day) if day > last_day => Refusal::NdaExpired { last_day },
        _ => Refusal::NdaNotSigned { signed: s.from },
    })?;
    for c in &p.courses {
        match c.completion {
            None => {
                return Err(Refusal::CourseMissing {
                    name_ja: c.name_ja.clone(),
                    name_en: c.name_en.clone(),
                });
            }
            Some((done, until)) if !(done <= at && until.is_none_or(|u| at < u)) => {
                return Err(match until {
                    Some(until) if at >= until => Refusal::CourseExpired {
                        name_ja: c.name_ja.clone(),
                        name_en: c.name_en.clone(),
                        until,
                    },
                    _ => Refusal::CourseMissing {
                        name_ja: c.name_ja.clone(),
                        name_en: c.name_en.clone(),
                    },
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Whether the person is eligible for the room through any of its projects; answers the
/// project that admits them, or the refusal of the project that got furthest.
pub fn eligible(projects: &[ProjectFacts], day: NaiveDate, at: i64) -> Result<ProjectId, Refusal> {
    let mut best: Option<Refusal> = None;
    for p in projects {
        match project_admits(p, day, at) {
            Ok(()) => return Ok(p.project_id),
            Err(r) => {
                if best.as_ref().is_none_or(|b| r.stage() > b.stage()) {
                    best = Some(r);
                }
            }
        }
    }
    Err(best.unwrap_or(Refusal::NoProject))
}

/// What the door reader knows besides eligibility.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AtDoor {
    /// Checked in at the site now (an open presence session).
    pub checked_in: bool,
    /// Holds a live booking of a seat in this room covering now.
    pub booked: bool,
    /// The room's "roster is enough, no booking needed" flag.
    pub roster_enough: bool,
}

/// The door's decision for someone entering: eligible, then checked in, then booked.
pub fn may_enter(
    projects: &[ProjectFacts],
    door: AtDoor,
    day: NaiveDate,
    at: i64,
) -> Result<ProjectId, Refusal> {
    let project = eligible(projects, day, at)?;
    if !door.checked_in {
        return Err(Refusal::NotCheckedIn);
    }
    if !door.booked && !door.roster_enough {
        return Err(Refusal::NoBooking);
    }
    Ok(project)
}

/// A booking of `[from, to)` needs eligibility at its start and at its last second (an
/// expiry in between is caught at the end: rosters, NDAs and courses do not come back).
pub fn may_book(
    projects: &[ProjectFacts],
    days: (NaiveDate, NaiveDate),
    from: i64,
    to: i64,
) -> Result<ProjectId, Refusal> {
    eligible(projects, days.0, from)?;
    eligible(projects, days.1, to - 1)
}

/// Days from `today` to a last valid day (for "expires within 30 days").
pub fn days_left(today: NaiveDate, last_day: NaiveDate) -> i64 {
    (last_day - today).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn course(completion: Option<(i64, Option<i64>)>) -> CourseFact {
        CourseFact {
            course_id: CourseId(1),
            name_ja: "情報セキュリティ".into(),
            name_en: "Information security".into(),
            completion,
        }
    }

    fn project(
        roster: Option<(&str, Option<&str>)>,
        nda: Option<(&str, Option<&str>)>,
        completion: Option<(i64, Option<i64>)>,
    ) -> ProjectFacts {
        let span = |(f, t): (&str, Option<&str>)| Span {
            from: d(f),
            to: t.map(d),
        };
        ProjectFacts {
            project_id: ProjectId(7),
            roster: roster.map(span),
            nda: nda.map(span),
            courses: vec![course(completion)],
        }
    }

    const AT: i64 = 1_000_000;
    const OK_COURSE: Option<(i64, Option<i64>)> = Some((AT - 100, Some(AT + 100)));

    #[test]
    #[allow(clippy::too_many_lines)]
    fn the_decision_table() {
        let day = d("2026-11-24");
        let expired = Refusal::CourseExpired {
            name_ja: "情報セキュリティ".into(),
            name_en: "Information security".into(),
            until: AT,
        };
        let missing = Refusal::CourseMissing {
            name_ja: "情報セキュリティ".into(),
            name_en: "Information security".into(),
        };
        let ok = Some(("2026-01-01", None));
        let yes = AtDoor {
            checked_in: true,
            booked: true,
            roster_enough: false,
        };
        let cases: Vec<(&str, ProjectFacts, AtDoor, Result<ProjectId, Refusal>)> = vec![
            (
                "all in order",
                project(ok, ok, OK_COURSE),
                yes,
                Ok(ProjectId(7)),
            ),
            (
                "not on the roster",
                project(None, ok, OK_COURSE),
                yes,
                Err(Refusal::NotOnRoster),
            ),
            (
                "roster starts tomorrow",
                project(Some(("2026-11-25", None)), ok, OK_COURSE),
                yes,
                Err(Refusal::RosterNotStarted {
                    from: d("2026-11-25"),
                }),
            ),
            (
                "roster ended yesterday",
                project(Some(("2026-01-01", Some("2026-11-23"))), ok, OK_COURSE),
                yes,
                Err(Refusal::RosterEnded {
                    to: d("2026-11-23"),
                }),
            ),
            (
                "roster's last day",
                project(Some(("2026-01-01", Some("2026-11-24"))), ok, OK_COURSE),
                yes,
                Ok(ProjectId(7)),
            ),
            (
                "no NDA",
                project(ok, None, OK_COURSE),
                yes,
                Err(Refusal::NoNda),
            ),
            (
                "NDA signed tomorrow",
                project(ok, Some(("2026-11-25", None)), OK_COURSE),
                yes,
                Err(Refusal::NdaNotSigned {
                    signed: d("2026-11-25"),
                }),
            ),
            (
                "NDA's last day",
                project(ok, Some(("2026-01-01", Some("2026-11-24"))), OK_COURSE),
                yes,
                Ok(ProjectId(7)),
            ),
            (
                "NDA expired yesterday",
                project(ok, Some(("2026-01-01", Some("2026-11-23"))), OK_COURSE),
                yes,
                Err(Refusal::NdaExpired {
                    last_day: d("2026-11-23"),
                }),
            ),
            (
                "course never taken",
                project(ok, ok, None),
                yes,
                Err(missing.clone()),
            ),
            (
                "course expired at this instant",
                project(ok, ok, Some((AT - 100, Some(AT)))),
                yes,
                Err(expired),
            ),
            (
                "course current until the next second",
                project(ok, ok, Some((AT - 100, Some(AT + 1)))),
                yes,
                Ok(ProjectId(7)),
            ),
            (
                "course that never expires",
                project(ok, ok, Some((AT - 100, None))),
                yes,
                Ok(ProjectId(7)),
            ),
            (
                "course completed later than the instant",
                project(ok, ok, Some((AT + 1, None))),
                yes,
                Err(missing),
            ),
            (
                "eligible but not checked in",
                project(ok, ok, OK_COURSE),
                AtDoor {
                    checked_in: false,
                    ..yes
                },
                Err(Refusal::NotCheckedIn),
            ),
            (
                "eligible, checked in, no booking",
                project(ok, ok, OK_COURSE),
                AtDoor {
                    booked: false,
                    ..yes
                },
                Err(Refusal::NoBooking),
            ),
            (
                "no booking but the roster is enough",
                project(ok, ok, OK_COURSE),
                AtDoor {
                    booked: false,
                    roster_enough: true,
                    ..yes
                },
                Ok(ProjectId(7)),
            ),
            (
                "not eligible: the roster flag does not help",
                project(None, ok, OK_COURSE),
                AtDoor {
                    booked: false,
                    roster_enough: true,
                    ..yes
                },
                Err(Refusal::NotOnRoster),
            ),
            (
                "not eligible and not checked in: eligibility is the reason",
                project(ok, None, OK_COURSE),
                AtDoor {
                    checked_in: false,
                    booked: false,
                    roster_enough: false,
                },
                Err(Refusal::NoNda),
            ),
        ];
        for (name, p, door, want) in cases {
            assert_eq!(may_enter(&[p], door, day, AT), want, "{name}");
        }
    }

    #[test]
    fn every_combination_of_the_six_facts() {
        // roster x NDA x training x booking x presence x instant (before / at the expiry).
        let day = d("2026-11-24");
        for roster in [false, true] {
            for nda in [false, true] {
                for trained in [false, true] {
                    for booked in [false, true] {
                        for checked_in in [false, true] {
                            for at in [AT - 1, AT] {
                                let p = project(
                                    roster.then_some(("2026-01-01", None)),
                                    nda.then_some(("2026-01-01", None)),
                                    trained.then_some((0, Some(AT))),
                                );
                                let door = AtDoor {
                                    checked_in,
                                    booked,
                                    roster_enough: false,
                                };
                                let got = may_enter(&[p], door, day, at);
                                let want =
                                    roster && nda && trained && at < AT && booked && checked_in;
                                assert_eq!(
                                    got.is_ok(),
                                    want,
                                    "{roster} {nda} {trained} {booked} {checked_in} {at}: {got:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_project_that_got_furthest_explains() {
        let day = d("2026-11-24");
        let other = ProjectFacts {
            project_id: ProjectId(8),
            ..project(None, None, None)
        };
        let close = project(Some(("2026-01-01", None)), None, OK_COURSE);
        assert_eq!(
            eligible(&[other.clone(), close.clone()], day, AT),
            Err(Refusal::NoNda)
        );
        assert_eq!(eligible(&[close, other], day, AT), Err(Refusal::NoNda));
        assert_eq!(eligible(&[], day, AT), Err(Refusal::NoProject));
        let good = project(
            Some(("2026-01-01", None)),
            Some(("2026-01-01", None)),
            OK_COURSE,
        );
        let bad = ProjectFacts {
            project_id: ProjectId(8),
            ..project(None, None, None)
        };
        assert_eq!(eligible(&[bad, good], day, AT), Ok(ProjectId(7)));
    }

    #[test]
    fn a_booking_needs_eligibility_to_its_end() {
        let p = project(
            Some(("2026-01-01", None)),
            Some(("2026-01-01", None)),
            Some((0, Some(AT + 3600))),
        );
        let days = (d("2026-11-24"), d("2026-11-24"));
        assert!(may_book(std::slice::from_ref(&p), days, AT, AT + 3600).is_ok());
        assert!(matches!(
            may_book(&[p], days, AT, AT + 3601),
            Err(Refusal::CourseExpired { .. })
        ));
    }
}
