//! Property test: whatever random sequence of childcare bookings, cancellations and shift
//! changes goes through the API, no 15-minute segment ever holds more children than the
//! caregivers on duty and the room allow.

use crate::harness::*;
use crate::helpers::*;
use chrono::{TimeZone, Utc};
use kado::childcare::{rules, store};
use proptest::prelude::*;
use serde_json::{Value, json};

const DAY: &str = "2026-11-24";
const TIMES: [&str; 9] = [
    "08:30", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "16:00", "18:00",
];

#[derive(Clone, Debug)]
enum Op {
    Book {
        parent: usize,
        child: usize,
        from: usize,
        len: usize,
    },
    Cancel {
        nth: usize,
    },
    AddShift {
        caregiver: usize,
        from: usize,
        len: usize,
    },
    MoveShift {
        nth: usize,
        from: usize,
        len: usize,
    },
    DeleteShift {
        nth: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0..4usize, 0..2usize, 0..8usize, 1..4usize).prop_map(|(parent, child, from, len)| Op::Book { parent, child, from, len }),
        2 => (0..30usize).prop_map(|nth| Op::Cancel { nth }),
        2 => (0..2usize, 0..6usize, 2..9usize).prop_map(|(caregiver, from, len)| Op::AddShift { caregiver, from, len }),
        1 => (0..10usize, 0..6usize, 1..9usize).prop_map(|(nth, from, len)| Op::MoveShift { nth, from, len }),
        1 => (0..10usize).prop_map(|nth| Op::DeleteShift { nth }),
    ]
}

struct World {
    app: TestApp,
    director: User,
    parents: Vec<(User, Vec<i64>)>,
    caregivers: Vec<i64>,
}

async fn world(b: Backend) -> World {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    let births = [
        ["2026-06-01", "2021-01-01"],
        ["2025-01-01", "2023-06-01"],
        ["2026-03-01", "2025-05-05"],
        ["2022-02-02", "2026-01-01"],
    ];
    let mut parents = Vec::new();
    for (i, pair) in births.iter().enumerate() {
        let c = app.as_worker(10 + i as u32).await;
        let mut kids = Vec::new();
        for birth in pair {
            let v = c
                .post("/api/v1/children")
                .json(&json!({"name": "子", "birth_date": birth}))
                .send_json()
                .await;
            kids.push(v["id"].as_i64().unwrap());
        }
        parents.push((c, kids));
    }
    let caregivers = vec![
        app.person_id("caregiver@shiojiri.kado.example").await,
        app.person_id("caregiver2@shiojiri.kado.example").await,
    ];
    World {
        app,
        director,
        parents,
        caregivers,
    }
}

fn span(from: usize, len: usize) -> (&'static str, &'static str) {
    let end = (from + len).min(TIMES.len() - 1).max(from + 1);
    (TIMES[from.min(TIMES.len() - 2)], TIMES[end])
}

async fn run(w: &World, ops: &[Op]) {
    for table in [
        "pickup_attempts",
        "childcare_bookings",
        "bookings",
        "caregiver_shifts",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&w.app.db.pool)
            .await
            .unwrap();
    }
    let (mut places, mut shifts): (Vec<(usize, i64)>, Vec<i64>) = (Vec::new(), Vec::new());
    for op in ops {
        match op {
            Op::Book {
                parent,
                child,
                from,
                len,
            } => {
                let (start, end) = span(*from, *len);
                let (c, kids) = &w.parents[*parent];
                let res = c
                    .post("/api/v1/childcare/bookings")
                    .json(&json!({"site_id": 1, "date": DAY, "start": start, "end": end, "child_ids": [kids[*child]], "desk": {"attributes": []}, "waitlist": true, "keep_desk": true}))
                    .sent().await;
                assert!(
                    res.status().is_success() || res.status().is_client_error(),
                    "{}",
                    res.status()
                );
                if res.status().is_success() {
                    let v: Value = res.json().await.unwrap();
                    places.push((*parent, v["places"][0]["id"].as_i64().unwrap()));
                }
            }
            Op::Cancel { nth } if !places.is_empty() => {
                let (parent, id) = places[nth % places.len()];
                let res = w.parents[parent]
                    .0
                    .post(&format!("/api/v1/childcare/bookings/{id}/cancel"))
                    .sent()
                    .await;
                assert!(!res.status().is_server_error());
            }
            Op::AddShift {
                caregiver,
                from,
                len,
            } => {
                let (start, end) = span(*from, *len);
                let res = w
                    .director
                    .post("/api/v1/sites/1/caregiver-shifts")
                    .json(&json!({"person_id": w.caregivers[*caregiver], "date": DAY, "start": start, "end": end}))
                    .sent().await;
                if res.status().is_success() {
                    shifts.push(res.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
                }
            }
            Op::MoveShift { nth, from, len } if !shifts.is_empty() => {
                let (start, end) = span(*from, *len);
                let id = shifts[nth % shifts.len()];
                let res = w
                    .director
                    .patch(&format!("/api/v1/caregiver-shifts/{id}"))
                    .json(&json!({"start": start, "end": end}))
                    .sent()
                    .await;
                assert!(!res.status().is_server_error());
            }
            Op::DeleteShift { nth } if !shifts.is_empty() => {
                let id = shifts[nth % shifts.len()];
                let res = w
                    .director
                    .delete(&format!("/api/v1/caregiver-shifts/{id}"))
                    .sent()
                    .await;
                assert!(!res.status().is_server_error());
            }
            _ => {}
        }
        check(w).await;
    }
}

async fn check(w: &World) {
    let settings = store::settings(&w.app.db, 1).await.unwrap().unwrap();
    let rows = sqlx::query_as::<_, (i64, i64, i64)>("SELECT age_group, starts_at, ends_at FROM childcare_bookings WHERE status IN ('booked', 'dropped_off')")
        .fetch_all(&w.app.db.pool)
        .await
        .unwrap();
    let places: Vec<rules::Place> = rows.iter().map(|(g, a, b)| (*g as usize, *a, *b)).collect();
    let shifts = sqlx::query_as::<_, (i64, i64, i64)>(
        "SELECT person_id, starts_at, ends_at FROM caregiver_shifts",
    )
    .fetch_all(&w.app.db.pool)
    .await
    .unwrap();
    let open = Utc
        .with_ymd_and_hms(2026, 11, 23, 23, 30, 0)
        .unwrap()
        .timestamp(); // 08:30 local
    for at in (open..open + 10 * 3600).step_by(rules::SEGMENT_SECS as usize) {
        let (counts, on_duty) = rules::segment(at, &places, &shifts);
        assert!(
            rules::fits(&counts, on_duty, &settings.standard),
            "segment {at}: {counts:?} with {on_duty} caregivers"
        );
    }
}

fn property(b: Backend) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let w = rt.block_on(world(b));
    let config = ProptestConfig {
        cases: 16,
        ..ProptestConfig::default()
    };
    proptest!(config, |(ops in prop::collection::vec(op(), 1..25))| {
        rt.block_on(run(&w, &ops));
    });
}

#[test]
fn never_over_ratio_sqlite() {
    property(Backend::Sqlite);
}

#[test]
fn never_over_ratio_postgres() {
    property(Backend::Postgres);
}
