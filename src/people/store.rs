//! SQL for persons and teams (role grants are auth's: `auth::store`).

use super::{Person, Team};
use crate::auth::{self, store::all_grants, store::grants_of};
use crate::db::{Db, Tx};
use crate::error::{ApiError, ApiResult};
use crate::ids::{MunicipalityId, PersonId, SiteId, TeamId};

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: PersonId,
    member_number: Option<String>,
    email: String,
    name: String,
    name_kana: String,
    phone: String,
    home_municipality_id: Option<MunicipalityId>,
    language: String,
    team_id: Option<TeamId>,
    is_admin: i64,
    active: i64,
}

impl PersonRow {
    fn person(self) -> anyhow::Result<Person> {
        Ok(Person {
            language: auth::stored_language(&self.language, self.id)?,
            id: self.id,
            member_number: self.member_number,
            email: self.email,
            name: self.name,
            name_kana: self.name_kana,
            phone: self.phone,
            home_municipality_id: self.home_municipality_id,
            team_id: self.team_id,
            is_admin: self.is_admin != 0,
            active: self.active != 0,
            roles: Vec::new(),
        })
    }
}

const COLUMNS: &str = "id, member_number, email, name, name_kana, phone, home_municipality_id, \
                       language, team_id, is_admin, active";

/// One person, with their roles.
pub async fn get(db: &Db, id: impl Into<PersonId>) -> ApiResult<Person> {
    let id = id.into();
    let row: PersonRow = sqlx::query_as(&format!("SELECT {COLUMNS} FROM persons WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| ApiError::not_found("利用者", "Person"))?;
    let mut p = row.person()?;
    p.roles = grants_of(db, id).await?;
    Ok(p)
}

/// Persons holding a role on one of the sites (every person when `sites` is None), with their
/// roles, by name.
pub async fn list(db: &Db, sites: Option<&[SiteId]>) -> anyhow::Result<Vec<Person>> {
    let rows: Vec<PersonRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM persons ORDER BY name_kana, name, id"
    ))
    .fetch_all(&db.pool)
    .await?;
    let mut people = rows
        .into_iter()
        .map(PersonRow::person)
        .collect::<anyhow::Result<Vec<Person>>>()?;
    let index: std::collections::HashMap<PersonId, usize> =
        people.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    for (person, grant) in all_grants(db).await? {
        if let Some(p) = index.get(&person).and_then(|&i| people.get_mut(i)) {
            p.roles.push(grant);
        }
    }
    if let Some(sites) = sites {
        people.retain(|p| p.roles.iter().any(|g| sites.contains(&g.site_id)));
    }
    Ok(people)
}

/// Inserts or updates a person (id 0 inserts; the password hash is only written when given);
/// answers the id. (Ending the sessions of a deactivated or reset account is the caller's:
/// sessions are auth's.)
pub async fn save(
    tx: &mut Tx,
    p: &Person,
    password_hash: Option<&str>,
    now: i64,
) -> sqlx::Result<PersonId> {
    let lang = auth::language_name(p.language);
    if p.id.0 == 0 {
        return sqlx::query_scalar(
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
        .await;
    }
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
    Ok(p.id)
}

#[derive(sqlx::FromRow)]
struct TeamRow {
    id: TeamId,
    site_id: SiteId,
    name: String,
    leader_id: Option<PersonId>,
    active: i64,
}

/// A site's teams with their members.
pub async fn teams(db: &Db, site_id: impl Into<SiteId>) -> sqlx::Result<Vec<Team>> {
    let site_id = site_id.into();
    let rows: Vec<TeamRow> = sqlx::query_as(
        "SELECT id, site_id, name, leader_id, active FROM teams WHERE site_id = $1 ORDER BY name",
    )
    .bind(site_id)
    .fetch_all(&db.pool)
    .await?;
    let members: Vec<(PersonId, TeamId)> = sqlx::query_as(
        "SELECT p.id, p.team_id FROM persons p JOIN teams t ON t.id = p.team_id
         WHERE t.site_id = $1 ORDER BY p.id",
    )
    .bind(site_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Team {
            member_ids: members
                .iter()
                .filter(|(_, team)| *team == r.id)
                .map(|(person, _)| *person)
                .collect(),
            id: r.id,
            site_id: r.site_id,
            name: r.name,
            leader_id: r.leader_id,
            active: r.active != 0,
        })
        .collect())
}

/// One team.
pub async fn team(db: &Db, id: TeamId) -> ApiResult<Team> {
    let site_id: SiteId = sqlx::query_scalar("SELECT site_id FROM teams WHERE id = $1")
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
pub async fn save_team(tx: &mut Tx, t: &Team) -> sqlx::Result<TeamId> {
    if t.id.0 == 0 {
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

/// Keeps an invitation's token hash, valid until `expires_at`.
pub async fn create_invitation(
    tx: &mut Tx,
    token_hash: &str,
    person_id: PersonId,
    invited_by: Option<PersonId>,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO person_invitations (token_hash, person_id, invited_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(person_id)
    .bind(invited_by)
    .bind(now)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks the person's open invitations used: a newer one was sent, one was used, or the
/// account's address, password or activity changed (the import calls this too).
pub async fn close_invitations(tx: &mut Tx, person_id: PersonId, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE person_invitations SET used_at = $2 WHERE person_id = $1 AND used_at IS NULL",
    )
    .bind(person_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Waits for the person's row, so that two writers for one person take turns: invitations
/// sent at once (the partial unique index of migration 0025 is the guard; this keeps it from
/// turning the second into an error), bookings against the person's limits. SQLite
/// serialises writers already.
pub async fn lock_person(tx: &mut Tx, person_id: PersonId) -> sqlx::Result<()> {
    crate::db::lock_row(tx, "persons", person_id.0).await
}

/// An open invitation found by its token's hash: whose it is, and whether the account is
/// active.
#[derive(sqlx::FromRow)]
pub struct OpenInvitation {
    pub person_id: PersonId,
    pub active: i64,
}

/// The unused, unexpired invitation with this token's hash, by a plain read: a guess is
/// refused before any password is hashed for it.
pub async fn open_invitation(
    db: &Db,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<Option<OpenInvitation>> {
    sqlx::query_as(
        "SELECT i.person_id, p.active FROM person_invitations i JOIN persons p ON p.id = i.person_id
         WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&db.pool)
    .await
}

/// Uses an invitation, once, inside the caller's transaction: the person it is for and
/// whether their account is active, when it is unused and unexpired (it and the person's
/// other open ones close either way: an inactive account's link must not come back with a
/// reactivation). The conditional UPDATE is the guard: of two concurrent uses, the second
/// matches no row (SQLite serialises writers; PostgreSQL re-checks `used_at` after the first
/// commits).
pub async fn use_invitation(
    tx: &mut Tx,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<Option<(PersonId, bool)>> {
    let person: Option<PersonId> = sqlx::query_scalar(
        "UPDATE person_invitations SET used_at = $2
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
         RETURNING person_id",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(person) = person else {
        return Ok(None);
    };
    close_invitations(tx, person, now).await?;
    let active: Option<i64> = sqlx::query_scalar("SELECT active FROM persons WHERE id = $1")
        .bind(person)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(Some((person, active == Some(1))))
}

/// Deletes invitations past their expiry; answers how many. Idempotent, for the job.
pub async fn purge_invitations(db: &Db, now: i64) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM person_invitations WHERE expires_at < $1")
            .bind(now)
            .execute(&db.pool)
            .await?
            .rows_affected(),
    )
}

/// A person as a write transaction sees them, locked until it ends on PostgreSQL (SQLite's
/// write transaction already keeps other writers out): a use case that read the person
/// earlier re-checks them here before it writes.
pub async fn in_tx(tx: &mut Tx, id: PersonId) -> anyhow::Result<Option<Person>> {
    let lock = if tx.backend_name() == "PostgreSQL" {
        " FOR UPDATE"
    } else {
        ""
    };
    let row: Option<PersonRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM persons WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut p = row.person()?;
    p.roles = auth::store::grants_in(tx, id).await?;
    Ok(Some(p))
}
