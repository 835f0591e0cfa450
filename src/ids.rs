//! Typed ids: a site's id cannot be passed where a person's is expected. Each is an `i64`
//! in the database and in JSON (`#[serde(transparent)]`, `#[sqlx(transparent)]`).

macro_rules! ids {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {$(
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize, sqlx::Type, utoipa::ToSchema,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> $name {
                $name(id)
            }
        }
    )*};
}

ids! {
    /// A municipality (a partner city).
    MunicipalityId,
    /// A telework center.
    SiteId,
    /// A desk, a room or the childcare room of a site.
    SpaceId,
    /// A person: worker, staff, director, caregiver.
    PersonId,
    /// A team of workers at a site.
    TeamId,
    /// A client company.
    ClientId,
    /// A client company's project.
    ProjectId,
    /// A desk or room booking.
    BookingId,
    /// A weekly series of bookings.
    SeriesId,
    /// A child registered by a guardian.
    ChildId,
    /// An adult allowed to collect a child.
    AuthorisedPersonId,
    /// A child's place in the childcare room (a childcare booking).
    PlaceId,
    /// A caregiver's shift.
    ShiftId,
    /// A registered entrance kiosk.
    DeviceId,
    /// A registered IC card.
    CardId,
    /// A presence session (a check-in to its check-out).
    PresenceId,
    /// An e-mail in the outbox.
    MailId,
    /// A training course.
    CourseId,
    /// A scheduled training session.
    TrainingSessionId,
    /// A person's place (or waitlist entry) in a training session.
    EnrolmentId,
    /// A child's nap in the childcare room.
    NapId,
    /// A caregiver's note on a child's day.
    DayNoteId,
    /// An evacuation roll call.
    RollCallId,
    /// A person or child on a roll call's list.
    RollCallEntryId,
    /// A worker's month at a site (timesheet).
    TimesheetId,
    /// A worker's assignment to a client project.
    AssignmentId,
    /// Remote hours, or center time allocated to a project.
    TimeEntryId,
    /// A worker's proposed end of a session the system closed.
    CorrectionId,
    /// A terms notice sent to a worker for an assignment.
    TermsId,
    /// A payment run (pay).
    RunId,
    /// A client order entered for the KPIs.
    OrderId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_a_bare_integer_in_json() {
        assert_eq!(serde_json::to_string(&SiteId(7)).unwrap(), "7");
        assert_eq!(
            serde_json::from_str::<PersonId>("42").unwrap(),
            PersonId(42)
        );
    }
}

#[cfg(test)]
mod db_tests {
    use super::*;

    #[tokio::test]
    async fn an_id_binds_and_decodes_as_an_integer() {
        let db = crate::db::Db::connect("sqlite::memory:", 1).await.unwrap();
        let back: (SiteId,) = sqlx::query_as("SELECT $1")
            .bind(SiteId(9))
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(back.0, SiteId(9));
    }
}
