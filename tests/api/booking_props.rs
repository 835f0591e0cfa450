//! Property test: whatever sequence of creates, changes and cancellations reaches the
//! database, it never holds two live bookings of one seat, or two live desks of one person,
//! at overlapping times. The writes go straight to the store, past every check in Rust, so
//! what is tested is the database's own constraint (PostgreSQL) or trigger (SQLite).

use crate::harness::{Backend, fresh_database};
use kado::booking::store::{self, NewBooking};
use kado::db::Db;
use kado::ids::{BookingId, PersonId, SiteId, SpaceId};
use kado::sites::SpaceKind;
use proptest::prelude::*;
use sqlx::Row;

#[derive(Clone, Debug)]
enum Op {
    Create {
        space: usize,
        seat: i64,
        person: usize,
        start: i64,
        len: i64,
    },
    Change {
        nth: usize,
        space: usize,
        seat: i64,
        start: i64,
        len: i64,
    },
    Cancel {
        nth: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, 1..=2i64, 0..3usize, 0..16i64, 1..8i64)
            .prop_map(|(space, seat, person, start, len)| Op::Create { space, seat, person, start, len }),
        2 => (0..20usize, 0..3usize, 1..=2i64, 0..16i64, 1..8i64)
            .prop_map(|(nth, space, seat, start, len)| Op::Change { nth, space, seat, start, len }),
        1 => (0..20usize).prop_map(|nth| Op::Cancel { nth }),
    ]
}

/// Two desks and a room (whose seats 1 and 2 both exist), three workers.
struct World {
    db: Db,
    spaces: Vec<(i64, String)>,
    persons: Vec<i64>,
}

async fn world(b: Backend) -> (World, Option<tempfile::TempDir>) {
    let (url, dir) = fresh_database(b).await;
    let db = Db::connect(&url, 2).await.unwrap();
    db.migrate().await.unwrap();
    kado::demo::load(&db, &kado::clock::Clock::default())
        .await
        .unwrap();
    let mut spaces = Vec::new();
    for name in ["D-01", "D-02", "R-04"] {
        let r = sqlx::query("SELECT id, kind FROM spaces WHERE site_id = 1 AND name = $1")
            .bind(name)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        spaces.push((r.get("id"), r.get("kind")));
    }
    let persons = sqlx::query_scalar(
        "SELECT id FROM persons WHERE member_number IS NOT NULL ORDER BY id LIMIT 3",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    (
        World {
            db,
            spaces,
            persons,
        },
        dir,
    )
}

const BASE: i64 = 1_800_000_000;
const QUARTER: i64 = 900;

async fn run(w: &World, ops: &[Op]) {
    sqlx::query("DELETE FROM bookings")
        .execute(&w.db.pool)
        .await
        .unwrap();
    let mut ids: Vec<i64> = Vec::new();
    for op in ops {
        let mut tx = w.db.begin().await.unwrap();
        let result = match op {
            Op::Create {
                space,
                seat,
                person,
                start,
                len,
            } => {
                let (space_id, kind) = &w.spaces[*space];
                let new = NewBooking {
                    site_id: SiteId(1),
                    space_id: SpaceId(*space_id),
                    space_kind: SpaceKind::parse(kind).unwrap(),
                    seat: if kind == "desk" { 1 } else { *seat },
                    person_id: PersonId(w.persons[*person]),
                    series_id: None,
                    starts_at: BASE + start * QUARTER,
                    ends_at: BASE + (start + len) * QUARTER,
                    created_by: PersonId(w.persons[*person]),
                    now: BASE,
                };
                // A conflict is refused by the database: an error on SQLite (the trigger),
                // no row on PostgreSQL (ON CONFLICT DO NOTHING on the exclusion constraint).
                store::insert_free(&mut tx, &new)
                    .await
                    .map(|id| ids.extend(id.map(|i| i.0)))
            }
            Op::Change {
                nth,
                space,
                seat,
                start,
                len,
            } if !ids.is_empty() => {
                let (space_id, kind) = &w.spaces[*space];
                let seat = if kind == "desk" { 1 } else { *seat };
                let id = ids[nth % ids.len()];
                let m = store::Move {
                    space_id: SpaceId(*space_id),
                    space_kind: SpaceKind::parse(kind).unwrap(),
                    seat,
                    from: BASE + start * QUARTER,
                    to: BASE + (start + len) * QUARTER,
                };
                store::update(&mut tx, BookingId(id), &m).await.map(|_| ())
            }
            Op::Cancel { nth } if !ids.is_empty() => {
                drop(tx);
                let mut tx = w.db.begin().await.unwrap();
                store::cancel(
                    &mut tx,
                    &[BookingId(ids[nth % ids.len()])],
                    PersonId(w.persons[0]),
                    BASE,
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
                continue;
            }
            _ => Ok(()),
        };
        match result {
            Ok(()) => tx.commit().await.unwrap(),
            // A refused write must be a constraint doing its job, nothing else.
            Err(e) => {
                let name = kado::db::violated_constraint(&e);
                assert!(
                    matches!(
                        name.as_deref(),
                        Some("bookings_no_overlap" | "bookings_one_desk_per_person")
                    ),
                    "unexpected error {e:?}"
                );
            }
        }
    }
    let live = sqlx::query("SELECT id, space_id, space_kind, seat, person_id, starts_at, ends_at FROM bookings WHERE status IN ('active', 'checked_in')")
        .fetch_all(&w.db.pool)
        .await
        .unwrap();
    for (i, a) in live.iter().enumerate() {
        for b in &live[i + 1..] {
            let overlap = a.get::<i64, _>("starts_at") < b.get::<i64, _>("ends_at")
                && b.get::<i64, _>("starts_at") < a.get::<i64, _>("ends_at");
            if !overlap {
                continue;
            }
            let same_seat = a.get::<i64, _>("space_id") == b.get::<i64, _>("space_id")
                && a.get::<i64, _>("seat") == b.get::<i64, _>("seat");
            assert!(
                !same_seat,
                "two live bookings of one seat overlap: {} and {}",
                a.get::<i64, _>("id"),
                b.get::<i64, _>("id")
            );
            let desks = a.get::<String, _>("space_kind") == "desk"
                && b.get::<String, _>("space_kind") == "desk";
            let same_person = a.get::<i64, _>("person_id") == b.get::<i64, _>("person_id");
            assert!(
                !(desks && same_person),
                "one person holds two desks at once: {} and {}",
                a.get::<i64, _>("id"),
                b.get::<i64, _>("id")
            );
        }
    }
}

fn check(b: Backend) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (w, _dir) = rt.block_on(world(b));
    let config = ProptestConfig {
        cases: 48,
        ..ProptestConfig::default()
    };
    proptest!(config, |(ops in prop::collection::vec(op(), 1..40))| {
        rt.block_on(run(&w, &ops));
    });
}

#[test]
fn no_overlap_whatever_the_writes_sqlite() {
    check(Backend::Sqlite);
}

#[test]
fn no_overlap_whatever_the_writes_postgres() {
    check(Backend::Postgres);
}
