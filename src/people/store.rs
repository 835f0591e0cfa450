//! SQL for persons, role grants and teams.

use super::{Person, Team};
use crate::auth::{Role, store::grants_of};
use crate::db::{Db, Tx};
use crate::error::{ApiError, ApiResult, Lang};
use sqlx::Row;
use sqlx::any::AnyRow;

fn person(r: &AnyRow) -> Person {
    Person {
        id: r.get("id"),
        member_number: r.get("member_number"),
        email: r.get("email"),
        name: r.get("name"),
        name_kana: r.get("name_kana"),
        phone: r.get("phone"),
        home_municipality_id: r.get("home_municipality_id"),
        language: if r.get::<String, _>("language") == "en" {
            Lang::En
        } else {
            Lang::Ja
        },
        team_id: r.get("team_id"),
        is_admin: r.get::<i64, _>("is_admin") != 0,
        active: r.get::<i64, _>("active") != 0,
        roles: Vec::new(),
    }
}

const COLUMNS: &str = "id, member_number, email, name, name_kana, phone, home_municipality_id, \
                       language, team_id, is_admin, active";

/// One person, with their roles.
pub async fn get(db: &Db, id: i64) -> ApiResult<Person> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM persons WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| ApiError::not_found("利用者", "Person"))?;
    let mut p = person(&row);
    p.roles = grants_of(db, id).await?;
    Ok(p)
}

/// Persons holding a role on one of the sites (every person when `sites` is None), with their
/// roles, by name.
pub async fn list(db: &Db, sites: Option<&[i64]>) -> sqlx::Result<Vec<Person>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM persons ORDER BY name_kana, name, id"
    ))
    .fetch_all(&db.pool)
    .await?;
    let grants =
        sqlx::query("SELECT person_id, site_id, role FROM role_grants ORDER BY site_id, role")
            .fetch_all(&db.pool)
            .await?;
    let mut people: Vec<Person> = rows.iter().map(person).collect();
    let index: std::collections::HashMap<i64, usize> =
        people.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    for g in &grants {
        if let (Some(&i), Some(role)) = (index.get(&g.get("person_id")), Role::parse(g.get("role")))
        {
            people[i].roles.push(crate::auth::Grant {
                site_id: g.get("site_id"),
                role,
            });
        }
    }
    if let Some(sites) = sites {
        people.retain(|p| p.roles.iter().any(|g| sites.contains(&g.site_id)));
    }
    Ok(people)
}

/// Inserts or updates a person (id 0 inserts; the password hash is only written when given);
/// answers the id.
pub async fn save(
    tx: &mut Tx,
    p: &Person,
    password_hash: Option<&str>,
    now: i64,
) -> sqlx::Result<i64> {
    let lang = match p.language {
        Lang::Ja => "ja",
        Lang::En => "en",
    };
    let id: i64 = if p.id == 0 {
        sqlx::query_scalar(
            "INSERT INTO persons (member_number, email, name, name_kana, phone, home_municipality_id,
                 language, team_id, is_admin, active, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(&p.member_number)
        .bind(&p.email)
        .bind(&p.name)
        .bind(&p.name_kana)
        .bind(&p.phone)
        .bind(p.home_municipality_id)
        .bind(lang)
        .bind(p.team_id)
        .bind(i64::from(p.is_admin))
        .bind(i64::from(p.active))
        .bind(password_hash.unwrap_or_default())
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE persons SET member_number = $1, email = $2, name = $3, name_kana = $4, phone = $5,
                 home_municipality_id = $6, language = $7, team_id = $8, is_admin = $9, active = $10,
                 password_hash = COALESCE($11, password_hash)
             WHERE id = $12",
        )
        .bind(&p.member_number)
        .bind(&p.email)
        .bind(&p.name)
        .bind(&p.name_kana)
        .bind(&p.phone)
        .bind(p.home_municipality_id)
        .bind(lang)
        .bind(p.team_id)
        .bind(i64::from(p.is_admin))
        .bind(i64::from(p.active))
        .bind(password_hash)
        .bind(p.id)
        .execute(&mut **tx)
        .await?;
        if !p.active || password_hash.is_some() {
            // A deactivated account, or one whose password was reset, is logged out
            // everywhere at once.
            sqlx::query("DELETE FROM sessions WHERE person_id = $1")
                .bind(p.id)
                .execute(&mut **tx)
                .await?;
        }
        p.id
    };
    Ok(id)
}

/// Grants a role on a site (granting it again changes nothing).
pub async fn grant(tx: &mut Tx, person_id: i64, site_id: i64, role: Role) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO role_grants (person_id, site_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (person_id, site_id, role) DO NOTHING",
    )
    .bind(person_id)
    .bind(site_id)
    .bind(role.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes a role back; whether it was held.
pub async fn revoke(db: &Db, person_id: i64, site_id: i64, role: Role) -> sqlx::Result<bool> {
    let r =
        sqlx::query("DELETE FROM role_grants WHERE person_id = $1 AND site_id = $2 AND role = $3")
            .bind(person_id)
            .bind(site_id)
            .bind(role.as_str())
            .execute(&db.pool)
            .await?;
    Ok(r.rows_affected() > 0)
}

/// A site's teams with their members.
pub async fn teams(db: &Db, site_id: i64) -> sqlx::Result<Vec<Team>> {
    let rows = sqlx::query("SELECT * FROM teams WHERE site_id = $1 ORDER BY name")
        .bind(site_id)
        .fetch_all(&db.pool)
        .await?;
    let members = sqlx::query(
        "SELECT p.id, p.team_id FROM persons p JOIN teams t ON t.id = p.team_id
         WHERE t.site_id = $1 ORDER BY p.id",
    )
    .bind(site_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let id: i64 = r.get("id");
            Team {
                id,
                site_id: r.get("site_id"),
                name: r.get("name"),
                leader_id: r.get("leader_id"),
                active: r.get::<i64, _>("active") != 0,
                member_ids: members
                    .iter()
                    .filter(|m| m.get::<Option<i64>, _>("team_id") == Some(id))
                    .map(|m| m.get("id"))
                    .collect(),
            }
        })
        .collect())
}

/// One team.
pub async fn team(db: &Db, id: i64) -> ApiResult<Team> {
    let site_id: i64 = sqlx::query_scalar("SELECT site_id FROM teams WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| ApiError::not_found("チーム", "Team"))?;
    teams(db, site_id)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::not_found("チーム", "Team"))
}

/// Inserts or updates a team (id 0 inserts); answers the id.
pub async fn save_team(tx: &mut Tx, t: &Team) -> sqlx::Result<i64> {
    if t.id == 0 {
        sqlx::query_scalar("INSERT INTO teams (site_id, name, leader_id, active) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(t.site_id)
            .bind(&t.name)
            .bind(t.leader_id)
            .bind(i64::from(t.active))
            .fetch_one(&mut **tx)
            .await
    } else {
        sqlx::query("UPDATE teams SET name = $1, leader_id = $2, active = $3 WHERE id = $4")
            .bind(&t.name)
            .bind(t.leader_id)
            .bind(i64::from(t.active))
            .bind(t.id)
            .execute(&mut **tx)
            .await
            .map(|_| t.id)
    }
}
