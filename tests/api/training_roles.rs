//! Who may do what in training, endpoint by endpoint: the site's trainers and directors
//! manage its courses, programme and sessions; a trainer of another site gets 403 for the
//! site's pages and the 404 of a course, session or enrolment of it (its id says nothing);
//! workers and reception read what their pages need and write nothing but their own
//! enrolments. Also the programme and the sessions refuse another site's course.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use crate::training::TRAINER;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    training_roles_by_endpoint,
    programme_and_sessions_take_only_the_sites_courses,
    courses_and_programmes_show_the_shared_courses_and_ones_own_sites,
);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Admin,
    Director,
    Trainer,
    OmachiTrainer,
    OmachiDirector,
    Reception,
    Worker,
}

/// (method, path, body, [(who, expected status)])
type Case = (Method, String, Value, Vec<(Who, u16)>);

/// Makes Omachi's worker25 a trainer of Omachi (its director grants it); answers the site.
async fn omachi_trainer(app: &TestApp) -> i64 {
    let omachi: i64 = sqlx::query_scalar(
        "SELECT g.site_id FROM role_grants g JOIN persons p ON p.id = g.person_id
         WHERE p.email = $1 AND g.role = 'director'",
    )
    .bind(OMACHI_DIRECTOR)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let person = app.person_id(OMACHI_WORKER).await;
    app.login_as(OMACHI_DIRECTOR)
        .await
        .post(&format!("/api/v1/persons/{person}/roles"))
        .json(&json!({"site_id": omachi, "role": "trainer"}))
        .send_json()
        .await;
    omachi
}

/// A course shared by every site, made by the administrator; answers its id.
async fn shared_course(app: &TestApp) -> i64 {
    crate::training::skill_course(app, ADMIN, Value::Null, "共通").await
}

async fn training_roles_by_endpoint(b: Backend) {
    use Who::*;
    let app = TestApp::spawn_at(b, friday_morning()).await;
    omachi_trainer(&app).await;
    let clients: Vec<(Who, User)> = vec![
        (Anonymous, app.guest()),
        (Admin, app.login_as(ADMIN).await),
        (Director, app.login_as(DIRECTOR).await),
        (Trainer, app.login_as(TRAINER).await),
        (OmachiTrainer, app.login_as(OMACHI_WORKER).await),
        (OmachiDirector, app.login_as(OMACHI_DIRECTOR).await),
        (Reception, app.login_as(RECEPTION).await),
        (Worker, app.login_as(WORKER).await),
    ];
    let s = SHIOJIRI;
    let c = crate::training::course(&app, "安全衛生", 1, 30, None).await;
    let shared = shared_course(&app).await;
    let online = |start: &str| json!({"course_id": c, "date": "2026-11-24", "start": start, "end": "17:00", "capacity": 4});
    let session = crate::training::session(&app, online("16:00")).await["id"]
        .as_i64()
        .unwrap();
    let w1 = app.person_id(WORKER).await;
    let enrolment = app
        .login_as(WORKER)
        .await
        .post(&format!("/api/v1/training/sessions/{session}/enrolments"))
        .json(&json!({}))
        .send_created()
        .await["id"]
        .as_i64()
        .unwrap();
    let mark = json!({"person_id": w1, "attendance": "excused", "reason": "事前連絡"});
    let course = |name: &str, site: Value| json!({"name_ja": name, "name_en": name, "kind": "onboarding", "site_id": site});
    let writers = |ok: u16| {
        vec![
            (Anonymous, 401),
            (OmachiTrainer, 403),
            (OmachiDirector, 403),
            (Reception, 403),
            (Worker, 403),
            (Trainer, ok),
            (Director, ok),
        ]
    };
    let readers_at_site = vec![
        (Anonymous, 401),
        (OmachiTrainer, 403),
        (Worker, 200),
        (Reception, 200),
        (Trainer, 200),
    ];
    let trainers_only = vec![
        (Anonymous, 401),
        (OmachiTrainer, 403),
        (OmachiDirector, 403),
        (Reception, 403),
        (Worker, 403),
        (Trainer, 200),
        (Director, 200),
        (Admin, 200),
    ];
    // A record of the site (a course, session or enrolment): another site's people get the
    // 404 of something they may not see, so that its id says nothing.
    let hidden = |v: Vec<(Who, u16)>| -> Vec<(Who, u16)> {
        v.into_iter()
            .map(|(w, status)| match w {
                OmachiTrainer | OmachiDirector => (w, 404),
                _ => (w, status),
            })
            .collect()
    };
    let everyone = vec![
        (Anonymous, 401),
        (OmachiTrainer, 200),
        (Reception, 200),
        (Worker, 200),
        (Trainer, 200),
    ];
    let cases: Vec<Case> = vec![
        // Courses and programmes are read by everyone logged in (a worker's progress names them).
        (
            Method::GET,
            "/api/v1/training/courses".into(),
            Value::Null,
            everyone.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/training/programme?site_id={s}"),
            Value::Null,
            everyone,
        ),
        (
            Method::POST,
            "/api/v1/training/courses".into(),
            course("講座", json!(s)),
            writers(201),
        ),
        // A course shared by every site: administrators only.
        (
            Method::POST,
            "/api/v1/training/courses".into(),
            course("共通講座", Value::Null),
            vec![(Trainer, 403), (Director, 403), (Admin, 201)],
        ),
        (
            Method::PUT,
            format!("/api/v1/training/courses/{c}"),
            course("安全衛生", Value::Null),
            hidden(writers(200)),
        ),
        (
            Method::PUT,
            format!("/api/v1/training/courses/{shared}"),
            json!({"name_ja": "共通", "name_en": "Shared", "kind": "skill"}),
            vec![(Trainer, 403), (Director, 403), (Admin, 200)],
        ),
        (
            Method::PUT,
            "/api/v1/training/programme".into(),
            json!({"site_id": s, "course_ids": [shared, c]}),
            writers(200),
        ),
        (
            Method::PUT,
            "/api/v1/training/programme".into(),
            json!({"site_id": null, "course_ids": [shared]}),
            vec![(Trainer, 403), (Director, 403), (Admin, 200)],
        ),
        (
            Method::GET,
            format!("/api/v1/sites/{s}/training/sessions?from=2026-11-24"),
            Value::Null,
            readers_at_site,
        ),
        (
            Method::POST,
            format!("/api/v1/sites/{s}/training/sessions"),
            online("15:00"),
            writers(201),
        ),
        (
            Method::GET,
            format!("/api/v1/sites/{s}/training/trainers"),
            Value::Null,
            trainers_only.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/training/sessions/{session}/roster"),
            Value::Null,
            hidden(trainers_only.clone()),
        ),
        (
            Method::POST,
            format!("/api/v1/training/sessions/{session}/marks"),
            mark,
            hidden(writers(200)),
        ),
        (
            Method::GET,
            format!("/api/v1/training/enrolments/{enrolment}/history"),
            Value::Null,
            hidden(trainers_only.clone()),
        ),
        (
            Method::GET,
            format!("/api/v1/sites/{s}/training/behind"),
            Value::Null,
            trainers_only.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/sites/{s}/training/behind.csv"),
            Value::Null,
            trainers_only.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/sites/{s}/training/settings"),
            Value::Null,
            trainers_only,
        ),
        // The falling-behind days are the directors'.
        (
            Method::PUT,
            format!("/api/v1/sites/{s}/training/settings"),
            json!({"behind_days": 30}),
            vec![
                (Trainer, 403),
                (OmachiDirector, 403),
                (Reception, 403),
                (Worker, 403),
                (Director, 200),
            ],
        ),
        // Enrolling at another site, or cancelling the session or someone else's place: the
        // 404 of something one may not see.
        (
            Method::POST,
            format!("/api/v1/training/sessions/{session}/enrolments"),
            json!({}),
            vec![(OmachiTrainer, 404), (Reception, 201)],
        ),
        (
            Method::DELETE,
            format!("/api/v1/training/enrolments/{enrolment}"),
            Value::Null,
            vec![(OmachiTrainer, 404), (Reception, 404)],
        ),
        (
            Method::POST,
            format!("/api/v1/training/sessions/{session}/cancel"),
            Value::Null,
            vec![
                (OmachiTrainer, 404),
                (OmachiDirector, 404),
                (Reception, 404),
                (Worker, 404),
                (Trainer, 200),
            ],
        ),
    ];
    for (method, path, body, expected) in cases {
        for (who, status) in expected {
            let client = &clients.iter().find(|(w, _)| *w == who).unwrap().1;
            let mut req = client.request(method.clone(), &path);
            if !body.is_null() {
                req = req.json(&body);
            }
            let res = req.sent().await;
            assert_eq!(res.status().as_u16(), status, "{who:?} {method} {path}");
            let code = match status {
                401 => "auth.required",
                403 => "auth.forbidden",
                404 => "not_found",
                _ => continue,
            };
            problem(res, StatusCode::from_u16(status).unwrap(), code).await;
        }
    }
    // The refused writes changed nothing: the course kept its name until its own trainer
    // and director renamed it, one session for each allowed writer (and the first one).
    assert_eq!(
        app.count("SELECT COUNT(*) FROM training_courses WHERE name_ja = '講座'")
            .await,
        2
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM training_sessions WHERE course_id = {c}"
        ))
        .await,
        3
    );
    // The marks were the trainer's and the director's only.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM training_marks WHERE enrolment_id = {enrolment}"
        ))
        .await,
        2
    );
}

async fn programme_and_sessions_take_only_the_sites_courses(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let omachi = omachi_trainer(&app).await;
    let ours = crate::training::course(&app, "安全衛生", 1, 30, None).await;
    let theirs =
        crate::training::skill_course(&app, OMACHI_DIRECTOR, json!(omachi), "大町の講座").await;
    let trainer = app.login_as(TRAINER).await;
    let put = |ids: Value| {
        trainer
            .put("/api/v1/training/programme")
            .json(&json!({"site_id": SHIOJIRI, "course_ids": ids}))
    };
    for ids in [
        json!([ours, theirs]),
        json!([ours, 999_999]),
        json!([ours, ours]),
    ] {
        let p = put(ids.clone())
            .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "training.unknown_course")
            .await;
        assert_eq!(strings(&p["errors"], "field"), ["course_ids"], "{ids}");
    }
    // A site's own course is no programme of every site.
    app.login_as(ADMIN)
        .await
        .put("/api/v1/training/programme")
        .json(&json!({"site_id": null, "course_ids": [ours]}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "training.unknown_course")
        .await;
    let steps: Value = put(json!([ours])).send_json().await;
    assert_eq!(steps[0]["course_id"], ours);
    let p = trainer
        .post("/api/v1/sites/1/training/sessions")
        .json(
            &json!({"course_id": theirs, "date": "2026-11-24", "start": "10:00",
                      "end": "11:00", "capacity": 4}),
        )
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "training.unknown_course")
        .await;
    assert_eq!(strings(&p["errors"], "field"), ["course_id"]);
    // The trainers list names the site's trainers and directors, not Omachi's.
    let list: Value = trainer
        .get("/api/v1/sites/1/training/trainers")
        .send_json()
        .await;
    let names = strings(&list, "name");
    assert!(names.contains(&"古畑 講師"), "{list}");
    let omachi_director = app.person_id(OMACHI_DIRECTOR).await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|t| t["id"] != omachi_director),
        "{list}"
    );
}

/// A site's courses are listed to the people with a role there (and to administrators); the
/// shared ones to everyone logged in.
async fn courses_and_programmes_show_the_shared_courses_and_ones_own_sites(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    omachi_trainer(&app).await;
    let own = crate::training::course(&app, "塩尻の講座", 1, 30, None).await;
    let shared = shared_course(&app).await;
    crate::training::programme(&app, ADMIN, Value::Null, &[shared]).await;
    crate::training::programme(&app, DIRECTOR, json!(SHIOJIRI), &[own]).await;
    for (who, sees_own) in [
        (ADMIN, true),
        (TRAINER, true),
        (WORKER, true),
        (OMACHI_WORKER, false),
        (OMACHI_DIRECTOR, false),
    ] {
        let user = app.login_as(who).await;
        // The ids under `key` of the list a GET answers.
        let ids = async |path: &str, key: &str| -> Vec<i64> {
            let list = user.get(path).send_json().await;
            let rows = list.as_array().unwrap().iter();
            rows.map(|r| r[key].as_i64().unwrap()).collect()
        };
        let courses = ids("/api/v1/training/courses", "id").await;
        assert!(courses.contains(&shared), "{who} lists the shared course");
        assert_eq!(
            courses.contains(&own),
            sees_own,
            "{who} and Shiojiri's course"
        );
        // Shiojiri's programme: another site's people read only the shared steps.
        let path = format!("/api/v1/training/programme?site_id={SHIOJIRI}");
        let steps = ids(&path, "course_id").await;
        let expected = if sees_own {
            vec![shared, own]
        } else {
            vec![shared]
        };
        assert_eq!(steps, expected, "{who} reads Shiojiri's programme");
    }
}
