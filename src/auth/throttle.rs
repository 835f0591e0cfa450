//! Throttles for guessable secrets (passwords, PINs, pairing codes): each attempt is reserved
//! in the database before the secret is checked, so a burst of simultaneous attempts cannot
//! all be evaluated, on one instance or many.

use super::store;
use crate::db::Db;

/// At most `max` attempts under `key` within `window` seconds.
pub struct Limit {
    pub key: String,
    pub max: i64,
    pub window: i64,
}

impl Limit {
    /// A limit of `max` attempts per `window` seconds under `key`.
    pub fn new(key: impl Into<String>, max: i64, window: i64) -> Limit {
        Limit {
            key: key.into(),
            max,
            window,
        }
    }
}

/// Which limit was spent, and in how many seconds its window ends.
#[derive(Debug, PartialEq, Eq)]
pub struct Spent {
    pub index: usize,
    pub retry_after: i64,
}

/// Reserves one attempt under each limit, in order. When one is spent, the attempts
/// reserved under the limits before it are given back (nothing was evaluated) and the later
/// ones are not touched.
pub async fn reserve(db: &Db, limits: &[Limit], now: i64) -> sqlx::Result<Result<(), Spent>> {
    for (index, l) in limits.iter().enumerate() {
        let (attempts, since) = store::reserve_attempt(db, &l.key, l.window, now).await?;
        if attempts > l.max {
            refund(db, &limits[..index]).await?;
            return Ok(Err(Spent {
                index,
                retry_after: (since + l.window - now).max(1),
            }));
        }
    }
    Ok(Ok(()))
}

/// Gives back one reserved attempt under each limit (it was right, or never evaluated).
pub async fn refund(db: &Db, limits: &[Limit]) -> sqlx::Result<()> {
    for l in limits {
        store::refund_attempt(db, &l.key).await?;
    }
    Ok(())
}
