//! The append-only, hash-chained audit trail of secure rooms. Every record is written in the
//! transaction of the change or decision it records. Records form one chain: record `n`
//! carries sha256 over its content and record `n-1`'s hash. The one row of `access_chain`
//! holds the head; an append locks it (PostgreSQL: `FOR UPDATE`; SQLite: `BEGIN IMMEDIATE`
//! already serialises writers), so two instances writing at once never fork the chain.
//! The database refuses updates and deletes of records (triggers, both backends).

use crate::db::{Db, Tx};
use crate::ids::{DeviceId, PersonId, ProjectId, SiteId, SpaceId};
use futures_util::TryStreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// The hash the first record chains to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One record to append.
#[derive(Clone, Debug)]
pub struct Entry {
    pub at: i64,
    pub site_id: SiteId,
    /// Who did it (the director), or the person at the door.
    pub actor_id: Option<PersonId>,
    pub device_id: Option<DeviceId>,
    pub space_id: Option<SpaceId>,
    pub project_id: Option<ProjectId>,
    /// Whom it concerns (the person on the roster, at the door).
    pub subject_id: Option<PersonId>,
    /// `door.enter`, `door.leave`, `roster.set`, `nda.set`, `room.set`, ...
    pub action: String,
    /// `allow`, `deny` or `change`.
    pub decision: String,
    /// The reason's code (`access.nda_expired`) or empty.
    pub reason: String,
    /// The details as JSON (the reason's text in both languages, the new values).
    pub detail: String,
}

impl Entry {
    /// A record of `action` at a site, with nothing else filled in yet.
    pub fn new(at: i64, site_id: SiteId, action: &str, decision: &str) -> Entry {
        Entry {
            at,
            site_id,
            actor_id: None,
            device_id: None,
            space_id: None,
            project_id: None,
            subject_id: None,
            action: action.into(),
            decision: decision.into(),
            reason: String::new(),
            detail: "{}".into(),
        }
    }
}

/// A stored record, as exported and verified.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Record {
    pub id: i64,
    pub at: i64,
    pub site_id: i64,
    pub actor_id: Option<i64>,
    pub device_id: Option<i64>,
    pub space_id: Option<i64>,
    pub project_id: Option<i64>,
    pub subject_id: Option<i64>,
    pub action: String,
    pub decision: String,
    pub reason: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The columns of a record, in the order [`Record`] reads them.
pub const COLUMNS: &str = "id, at, site_id, actor_id, device_id, space_id, project_id, subject_id, action, decision, reason, detail, prev_hash, hash";

fn opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The hash of a record: sha256 (hex) over its fields joined by the unit separator, the
/// previous record's hash last.
pub fn hash_of(r: &Record) -> String {
    let fields = [
        r.id.to_string(),
        r.at.to_string(),
        r.site_id.to_string(),
        opt(r.actor_id),
        opt(r.device_id),
        opt(r.space_id),
        opt(r.project_id),
        opt(r.subject_id),
        r.action.clone(),
        r.decision.clone(),
        r.reason.clone(),
        r.detail.clone(),
        r.prev_hash.clone(),
    ];
    let mut h = Sha256::new();
    h.update(fields.join("\u{1f}").as_bytes());
    hex::encode(h.finalize())
}

#[derive(sqlx::FromRow)]
struct Head {
    last_id: i64,
    last_hash: String,
}

/// Appends a record inside the caller's transaction; answers its id.
pub async fn append(tx: &mut Tx, e: &Entry) -> sqlx::Result<i64> {
    let lock = if tx.backend_name() == "PostgreSQL" {
        " FOR UPDATE"
    } else {
        ""
    };
    let head: Head = sqlx::query_as(&format!(
        "SELECT last_id, last_hash FROM access_chain WHERE id = 1{lock}"
    ))
    .fetch_one(&mut **tx)
    .await?;
    let mut r = Record {
        id: head.last_id + 1,
        at: e.at,
        site_id: e.site_id.0,
        actor_id: e.actor_id.map(|p| p.0),
        device_id: e.device_id.map(|d| d.0),
        space_id: e.space_id.map(|s| s.0),
        project_id: e.project_id.map(|p| p.0),
        subject_id: e.subject_id.map(|p| p.0),
        action: e.action.clone(),
        decision: e.decision.clone(),
        reason: e.reason.clone(),
        detail: e.detail.clone(),
        prev_hash: head.last_hash,
        hash: String::new(),
    };
    r.hash = hash_of(&r);
    sqlx::query(&format!(
        "INSERT INTO access_audit ({COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    ))
    .bind(r.id)
    .bind(r.at)
    .bind(r.site_id)
    .bind(r.actor_id)
    .bind(r.device_id)
    .bind(r.space_id)
    .bind(r.project_id)
    .bind(r.subject_id)
    .bind(&r.action)
    .bind(&r.decision)
    .bind(&r.reason)
    .bind(&r.detail)
    .bind(&r.prev_hash)
    .bind(&r.hash)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE access_chain SET last_id = $1, last_hash = $2 WHERE id = 1")
        .bind(r.id)
        .bind(&r.hash)
        .execute(&mut **tx)
        .await?;
    Ok(r.id)
}

/// What verifying the chain found.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct Verdict {
    pub intact: bool,
    /// Records read.
    pub records: i64,
    /// The first record that does not match (or the id where a record is missing).
    pub first_bad: Option<i64>,
    pub problem: Option<String>,
}

/// Recomputes the whole chain, reading the records as a stream (flat memory), and names the
/// first record that does not match: a changed record, a missing one, or a head that does
/// not point at the last record.
pub async fn verify(db: &Db) -> anyhow::Result<Verdict> {
    // The head first, then the records up to it: appends committed meanwhile (a record and the
    // head move in one transaction) are beyond it, so a serving system verifies as intact.
    let head: Head = sqlx::query_as("SELECT last_id, last_hash FROM access_chain WHERE id = 1")
        .fetch_one(&db.pool)
        .await?;
    let sql = format!("SELECT {COLUMNS} FROM access_audit WHERE id <= $1 ORDER BY id");
    let mut rows = sqlx::query_as::<_, Record>(&sql)
        .bind(head.last_id)
        .fetch(&db.pool);
    let mut prev = GENESIS.to_string();
    let mut expected = 1;
    let mut n = 0;
    let bad = |id: i64, n: i64, why: String| Verdict {
        intact: false,
        records: n,
        first_bad: Some(id),
        problem: Some(why),
    };
    while let Some(r) = rows.try_next().await? {
        n += 1;
        if r.id != expected {
            return Ok(bad(
                expected,
                n,
                format!("record {expected} is missing (the next is {})", r.id),
            ));
        }
        if r.prev_hash != prev {
            return Ok(bad(
                r.id,
                n,
                format!("record {} does not chain to record {}", r.id, r.id - 1),
            ));
        }
        if hash_of(&r) != r.hash {
            return Ok(bad(
                r.id,
                n,
                format!("record {} was changed: its hash does not match", r.id),
            ));
        }
        prev = r.hash;
        expected += 1;
    }
    drop(rows);
    if head.last_id != expected - 1 || head.last_hash != prev {
        return Ok(bad(
            expected,
            n,
            format!(
                "the chain's head names record {} but the last record is {}",
                head.last_id,
                expected - 1
            ),
        ));
    }
    Ok(Verdict {
        intact: true,
        records: n,
        first_bad: None,
        problem: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_hash_covers_every_field_and_the_previous_hash() {
        let r = Record {
            id: 1,
            at: 10,
            site_id: 1,
            actor_id: Some(2),
            device_id: None,
            space_id: Some(3),
            project_id: None,
            subject_id: Some(2),
            action: "door.enter".into(),
            decision: "allow".into(),
            reason: String::new(),
            detail: "{}".into(),
            prev_hash: GENESIS.into(),
            hash: String::new(),
        };
        let h = hash_of(&r);
        assert_eq!(h.len(), 64);
        for changed in [
            Record {
                at: 11,
                ..r.clone()
            },
            Record {
                decision: "deny".into(),
                ..r.clone()
            },
            Record {
                device_id: Some(0),
                ..r.clone()
            },
            Record {
                prev_hash: "1".repeat(64),
                ..r.clone()
            },
        ] {
            assert_ne!(hash_of(&changed), h);
        }
    }
}
