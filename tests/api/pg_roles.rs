//! PostgreSQL in production: the schema's owner migrates and grants; the service logs in as
//! a role that reads and writes rows but can neither rewrite an audit trail nor drop the
//! trigger that guards it (the owner could; the service is not the owner).

use crate::harness::*;
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_service_role_cannot_rewrite_the_trails() {
    let owner = TestApp::spawn(Backend::Postgres).await;
    let role = format!("kado_service_{}", rand::random::<u32>());
    sqlx::query(&format!("CREATE ROLE {role} LOGIN"))
        .execute(&owner.db.pool)
        .await
        .unwrap();
    owner.db.grant_service_role(&role).await.unwrap();
    // The test server trusts loopback logins: the same database, as the service's role.
    let (scheme, rest) = owner.database_url.split_once("://").unwrap();
    let host = rest.split_once('@').map_or(rest, |(_, h)| h);
    let url = format!("{scheme}://{role}@{host}");
    let service = TestApp::spawn_configured(&url, |c| c.migrate = false).await;

    // The service works: an audited change goes through as the service's role.
    let director = service.login_as(DIRECTOR).await;
    let room = service.space_id(SHIOJIRI, "R-01").await;
    let s = director
        .put(&format!("/api/v1/secure-rooms/{room}"))
        .json(&json!({"project_ids": []}))
        .send_status()
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        service
            .count("SELECT COUNT(*) FROM access_audit WHERE action = 'room.set'")
            .await,
        1
    );

    // What it may not do, each refused by PostgreSQL's privileges (42501).
    let refused = [
        "UPDATE access_audit SET reason = 'edited'".to_string(),
        "DELETE FROM access_audit".into(),
        "TRUNCATE access_audit".into(),
        "ALTER TABLE access_audit DISABLE TRIGGER access_audit_append_only".into(),
        "DELETE FROM timesheet_changes".into(),
        "UPDATE pay_terms SET body_ja = ''".into(),
        "DROP TABLE pay_terms_acks".into(),
        "CREATE TABLE intruder (id INT)".into(),
        "DELETE FROM _sqlx_migrations".into(),
    ];
    for sql in refused {
        let err = sqlx::query(&sql)
            .execute(&service.db.pool)
            .await
            .expect_err(&sql);
        let code = err
            .as_database_error()
            .and_then(|e| e.code().map(|c| c.to_string()));
        assert_eq!(code.as_deref(), Some("42501"), "{sql}: {err}");
    }
}
