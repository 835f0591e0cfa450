//! Workers' bank accounts and the accountant role (issue 19), on both backends: every bad
//! field named, the holder's name converted to half-width kana, seen only by the worker and
//! the accountants of their site, who alone enter and change it (each change kept: who,
//! when); a director gets the same 403 whether or not an account exists; only administrators
//! make accountants, who then see the site's payments.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(bank_accounts_are_seen_by_the_worker_and_accountants_only);

async fn bank_accounts_are_seen_by_the_worker_and_accountants_only(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let me = app.person_id(WORKER).await;
    let account = format!("/api/v1/people/{me}/bank-account");

    let p = worker
        .put(&account)
        .json(&json!({"bank_code": "12a4", "branch_code": "1234", "account_type": "checking", "number": "123456", "holder_kana": "山田 太郎"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "bank_code",
            "branch_code",
            "account_type",
            "number",
            "holder_kana"
        ],
        "{p}"
    );
    worker
        .get(&account)
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    let good = json!({"bank_code": "0001", "branch_code": "123", "account_type": "ordinary", "number": "1234567", "holder_kana": "ヤマダ タロウ"});
    let res = worker.put(&account).json(&good).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let mine: Value = worker.get(&account).send_json().await;
    assert_eq!(mine["holder_kana"], "ﾔﾏﾀﾞ ﾀﾛｳ");
    assert_eq!(mine["number"], "1234567");

    // Nobody else reads it, nor enters or changes it: the site's director included, with the
    // same answer whether the worker has an account (me) or not (worker 3).
    let director = app.login_as(DIRECTOR).await;
    let w3 = app.person_id(&worker_email(3)).await;
    let other = format!("/api/v1/people/{w3}/bank-account");
    for user in [
        &app.as_worker(2).await,
        &app.login_as(RECEPTION).await,
        &app.login_as("trainer@shiojiri.kado.example").await,
        &director,
        &app.login_as(OMACHI_DIRECTOR).await,
    ] {
        user.get(&account)
            .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
            .await;
        let with = user
            .put(&account)
            .json(&good)
            .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
            .await;
        let without = user
            .put(&other)
            .json(&good)
            .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
            .await;
        assert_eq!(
            with, without,
            "a refusal must not tell whether an account exists"
        );
        user.get(&format!("{account}/changes"))
            .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
            .await;
    }
    worker
        .get(&other)
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;

    // Reception made an accountant of the site by an administrator (not by a director).
    let reception = app.login_as(RECEPTION).await;
    let rid = app.person_id(RECEPTION).await;
    let grant = format!("/api/v1/sites/{SHIOJIRI}/accountants/{rid}");
    director
        .put(&grant)
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    reception
        .get(&format!("/api/v1/sites/{SHIOJIRI}/payments/2026-10"))
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    let admin = app.login_as(ADMIN).await;
    assert_eq!(
        admin.put(&grant).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let seen: Value = reception.get(&account).send_json().await;
    assert_eq!(seen["holder_kana"], "ﾔﾏﾀﾞ ﾀﾛｳ");
    // The accountant changes the worker's account and enters worker 3's; each change is
    // kept with who made it, and the worker sees the trail of their own.
    let changed = json!({"bank_code": "0005", "branch_code": "321", "account_type": "savings", "number": "7654321", "holder_kana": "ヤマダ タロウ"});
    for url in [&account, &other] {
        let res = reception.put(url).json(&changed).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }
    let mine: Value = worker.get(&account).send_json().await;
    assert_eq!(mine["number"], "7654321");
    let trail: Value = worker.get(&format!("{account}/changes")).send_json().await;
    let trail: Vec<(i64, &str)> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["changed_by"].as_i64().unwrap(),
                c["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(trail, [(me, "entered"), (rid, "changed")]);
    let trail: Value = reception.get(&format!("{other}/changes")).send_json().await;
    assert_eq!(trail[0]["action"], "entered");
    assert_eq!(trail[0]["changed_by"], rid);
    assert!(
        !trail.to_string().contains("7654321"),
        "the trail never holds the account"
    );
    let list: Value = reception
        .get(&format!("/api/v1/sites/{SHIOJIRI}/payments/2026-10"))
        .send_json()
        .await;
    assert_eq!(list["month"], "2026-10");
    assert_eq!(
        admin.delete(&grant).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    reception
        .get(&account)
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    admin
        .put("/api/v1/sites/999/accountants/1")
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
}
