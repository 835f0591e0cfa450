//! A booking's status and the moves between statuses.

use super::errors::BookingError;
use serde::Serialize;
use utoipa::ToSchema;

/// Where a booking stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// Booked, not checked into yet.
    Active,
    CheckedIn,
    Cancelled,
    /// Released because nobody checked in in time.
    NoShow,
}

/// A status text this version does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown booking status {0:?}")]
pub struct UnknownStatus(pub String);

impl BookingStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Active => "active",
            BookingStatus::CheckedIn => "checked_in",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::NoShow => "no_show",
        }
    }

    /// Whether it holds its seat.
    pub fn is_live(self) -> bool {
        matches!(self, BookingStatus::Active | BookingStatus::CheckedIn)
    }

    /// Checking in: only a waiting booking; a released one says so.
    pub fn check_in(self) -> Result<BookingStatus, BookingError> {
        match self {
            BookingStatus::Active => Ok(BookingStatus::CheckedIn),
            BookingStatus::NoShow => Err(BookingError::Released),
            _ => Err(BookingError::NotChangeable),
        }
    }

    /// Moving to another time or space: only a waiting booking.
    pub fn change(self) -> Result<BookingStatus, BookingError> {
        match self {
            BookingStatus::Active => Ok(BookingStatus::Active),
            _ => Err(BookingError::NotChangeable),
        }
    }

    /// Cancelling: a booking that still holds its seat.
    pub fn cancel(self) -> Result<BookingStatus, BookingError> {
        match self {
            BookingStatus::Active | BookingStatus::CheckedIn => Ok(BookingStatus::Cancelled),
            _ => Err(BookingError::NotChangeable),
        }
    }

    /// Releasing a no-show: only a booking nobody checked into.
    pub fn release(self) -> Result<BookingStatus, BookingError> {
        match self {
            BookingStatus::Active => Ok(BookingStatus::NoShow),
            _ => Err(BookingError::NotChangeable),
        }
    }
}

impl std::str::FromStr for BookingStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<BookingStatus, UnknownStatus> {
        [
            BookingStatus::Active,
            BookingStatus::CheckedIn,
            BookingStatus::Cancelled,
            BookingStatus::NoShow,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
        .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::BookingError;
    use super::BookingStatus::{self, *};

    #[test]
    fn transitions() {
        type Move = fn(BookingStatus) -> Result<BookingStatus, BookingError>;
        let moves: [(&str, Move); 4] = [
            ("check_in", BookingStatus::check_in),
            ("change", BookingStatus::change),
            ("cancel", BookingStatus::cancel),
            ("release", BookingStatus::release),
        ];
        use BookingError::{NotChangeable as No, Released};
        let table = [
            (
                Active,
                [Ok(CheckedIn), Ok(Active), Ok(Cancelled), Ok(NoShow)],
            ),
            (CheckedIn, [Err(No), Err(No), Ok(Cancelled), Err(No)]),
            (Cancelled, [Err(No), Err(No), Err(No), Err(No)]),
            (NoShow, [Err(Released), Err(No), Err(No), Err(No)]),
        ];
        for (from, wants) in table {
            for ((name, f), want) in moves.iter().zip(wants) {
                assert_eq!(f(from), want, "{from:?} {name}");
            }
        }
    }

    #[test]
    fn stored_names_round_trip() {
        for s in [Active, CheckedIn, Cancelled, NoShow] {
            assert_eq!(s.as_str().parse::<BookingStatus>().unwrap(), s);
        }
        assert!("booked".parse::<BookingStatus>().is_err());
    }
}
