//! Utilisation history: the rollup job (idempotent), the report by weekday and hour with the
//! no-show rate and the peak, the CSV, and who may read them.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::Duration;
use reqwest::StatusCode;

on_both_backends!(a_day_rolls_up_into_the_report_and_the_csv);

async fn a_day_rolls_up_into_the_report_and_the_csv(b: Backend) {
    let app = TestApp::spawn_at(b, tuesday_nine()).await;
    let [d01, d02] = app.space_ids(SHIOJIRI, ["D-01", "D-02"]).await;
    let came = app.as_worker(5).await;
    came.booked(&desk(d01, "2026-11-24", "09:00", "12:00"))
        .await;
    app.as_worker(6)
        .await
        .booked(&desk(d02, "2026-11-24", "09:00", "12:00"))
        .await;
    let k = app.kiosk().await;
    assert_eq!(
        k.scan(&came.qr_payload().await).await.status(),
        StatusCode::OK
    );
    app.clock.advance(Duration::minutes(31));
    let released = kado::booking::release_no_shows(&app.state).await.unwrap();
    assert_eq!(released.len(), 1);
    // Nothing of today is rolled up before the day is over.
    assert_eq!(
        kado::occupancy::history::roll_up(&app.db, app.clock.epoch())
            .await
            .unwrap(),
        0
    );

    app.clock.advance(Duration::hours(24));
    let now = app.clock.epoch();
    assert_eq!(
        kado::occupancy::history::roll_up(&app.db, now)
            .await
            .unwrap(),
        1
    );
    let rows = app.count("SELECT COUNT(*) FROM utilisation_hours").await;
    assert_eq!(rows, 3, "09, 10 and 11 o'clock");
    // Again: nothing new, nothing twice.
    assert_eq!(
        kado::occupancy::history::roll_up(&app.db, now)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM utilisation_hours").await,
        rows
    );

    let director = app.login_as(DIRECTOR).await;
    let report = director
        .get("/api/v1/sites/1/utilisation?from=2026-11-01&to=2026-11-30")
        .send_json()
        .await;
    assert_eq!(report["days"], 1);
    assert_eq!(report["no_show_rate"], 0.5);
    assert_eq!(report["peak"], 1);
    assert_eq!(report["peak_day"], "2026-11-24");
    // Tuesday (index 1), 09:00-12:00: one of the 40 desks in use.
    let tuesday = &report["desks"][1];
    assert_eq!(tuesday[8], 0.0);
    for hour in 9..12 {
        assert_eq!(tuesday[hour], 1.0 / 40.0, "hour {hour}");
    }
    assert_eq!(tuesday[12], 0.0);
    assert_eq!(report["rooms"][1][9], 0.0);

    let csv = director
        .get("/api/v1/sites/1/utilisation.csv?from=2026-11-24&to=2026-11-24")
        .send_text()
        .await;
    assert_eq!(
        csv,
        "day,hour,desk_seconds,room_seconds,childcare_seconds\r\n\
         2026-11-24,9,3600,0,0\r\n2026-11-24,10,3600,0,0\r\n2026-11-24,11,3600,0,0\r\n"
    );

    for (who, path) in [
        (
            RECEPTION,
            "/api/v1/sites/1/utilisation?from=2026-11-01&to=2026-11-30",
        ),
        (
            OMACHI_DIRECTOR,
            "/api/v1/sites/1/utilisation.csv?from=2026-11-01&to=2026-11-30",
        ),
        (
            WORKER,
            "/api/v1/sites/1/utilisation?from=2026-11-01&to=2026-11-30",
        ),
    ] {
        app.login_as(who)
            .await
            .get(path)
            .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
            .await;
    }
    for range in [
        "from=2026-11-30&to=2026-11-01",
        "from=2025-01-01&to=2026-11-30",
    ] {
        let p = director
            .get(&format!("/api/v1/sites/1/utilisation?{range}"))
            .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
            .await;
        assert_eq!(p["errors"][0]["code"], "occupancy.bad_range", "{p}");
    }
}
