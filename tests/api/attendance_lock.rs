//! The approved month's lock is the database's (issue 18): on both backends, no entry of an
//! approved month can be added, changed or removed, even by plain SQL; a reopened month can.

use crate::harness::*;
use crate::on_both_backends;

on_both_backends!(an_approved_month_refuses_every_change_to_its_entries);

async fn an_approved_month_refuses_every_change_to_its_entries(b: Backend) {
    let app = TestApp::spawn(b).await;
    let worker = app.person_id(WORKER).await;
    let project: i64 = sqlx::query_scalar("SELECT MIN(id) FROM client_projects")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let run = |sql: String| {
        let pool = app.db.pool.clone();
        async move { sqlx::query(&sql).execute(&pool).await }
    };
    run(format!(
        "INSERT INTO timesheets (id, person_id, site_id, month, status) VALUES (1, {worker}, {SHIOJIRI}, '2026-11', 'submitted')"
    ))
    .await
    .unwrap();
    let entry = |id: i64, from: i64| {
        format!(
            "INSERT INTO time_entries (id, timesheet_id, kind, project_id, starts_at, ends_at, created_by, created_at)
             VALUES ({id}, 1, 'remote', {project}, {from}, {}, {worker}, 0)",
            from + 3600
        )
    };
    run(entry(1, 1_795_000_000)).await.unwrap();
    run("UPDATE timesheets SET status = 'approved' WHERE id = 1".into())
        .await
        .unwrap();
    let locked = |r: Result<sqlx::any::AnyQueryResult, sqlx::Error>| {
        let e = r.expect_err("the approved month refuses the change");
        assert_eq!(
            kado::db::violated_constraint(&e).as_deref(),
            Some("attendance_month_locked"),
            "{e}"
        );
    };
    locked(run(entry(2, 1_795_100_000)).await);
    locked(run("UPDATE time_entries SET ends_at = ends_at + 60 WHERE id = 1".into()).await);
    locked(run("UPDATE time_entries SET note = 'x' WHERE id = 1".into()).await);
    locked(run("DELETE FROM time_entries WHERE id = 1".into()).await);
    assert_eq!(app.count("SELECT COUNT(*) FROM time_entries").await, 1);
    // Reopened (by a director, with a reason): the entries may change again.
    run("UPDATE timesheets SET status = 'reopened' WHERE id = 1".into())
        .await
        .unwrap();
    run("UPDATE time_entries SET note = 'corrected' WHERE id = 1".into())
        .await
        .unwrap();
    run(entry(2, 1_795_100_000)).await.unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM time_entries").await, 2);
}
