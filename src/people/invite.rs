//! Invitations: a mailed link with which a new (or imported) person sets their first
//! password. It expires after the configured days and works once: the database refuses a
//! second use, even of two requests at the same moment.

use super::{PeopleError, persons, store};
use crate::AppState;
use crate::auth::login::Session;
use crate::auth::{self, Principal, password};
use crate::db::Tx;
use crate::error::{ApiError, ApiResult};
use crate::ids::PersonId;

/// Puts an invitation for the person in the outbox, inside the caller's transaction (their
/// earlier open invitations close: the newest mail is the one to use).
pub async fn send(
    st: &AppState,
    tx: &mut Tx,
    person_id: PersonId,
    invited_by: Option<PersonId>,
    now: i64,
) -> ApiResult<()> {
    let days = i64::from(st.config.invitation_days);
    let token = password::new_token();
    store::close_invitations(tx, person_id, now).await?;
    store::create_invitation(
        tx,
        &password::token_hash(&token),
        person_id,
        invited_by,
        now,
        now + days * 24 * 3600,
    )
    .await?;
    super::notify::invitation(st, tx, person_id, &token, days).await?;
    Ok(())
}

/// Invites a person the caller manages (an active account) to set their password.
pub async fn invite(st: &AppState, who: &Principal, id: PersonId) -> ApiResult<()> {
    let p = store::get(&st.db, id).await?;
    if !persons::manages(who, &p) {
        return Err(ApiError::forbidden());
    }
    if !p.active {
        return Err(PeopleError::InviteInactive.into());
    }
    let now = st.clock.epoch();
    let mut tx = st.db.begin().await?;
    send(st, &mut tx, id, Some(who.id), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets the invited person's password with the link's token (once, before it expires) and
/// signs them in.
pub async fn accept(st: &AppState, token: &str, new_password: String) -> ApiResult<Session> {
    if let Some(weak) = password::weak(&new_password) {
        return Err(weak.invalid("password"));
    }
    let hash = st
        .hashing
        .run(move || password::hash(&new_password))
        .await??;
    let now = st.clock.epoch();
    let mut tx = st.db.begin().await?;
    let Some(person_id) =
        store::use_invitation(&mut tx, &password::token_hash(token.trim()), now).await?
    else {
        return Err(PeopleError::InvitationInvalid.into());
    };
    auth::store::set_password_hash(&mut tx, person_id, &hash, None).await?;
    auth::store::revoke_login_links(&mut tx, person_id, now).await?;
    let token = auth::store::create_session(&mut tx, person_id, now).await?;
    tx.commit().await?;
    Ok(Session { person_id, token })
}

/// Deletes expired invitations and empties the bodies of invitation mails once sent (they
/// hold a live token); answers how many rows changed. Idempotent, for the background job.
pub async fn purge(db: &crate::db::Db, now: i64) -> sqlx::Result<u64> {
    let gone = store::purge_invitations(db, now).await?;
    let mails = crate::mail::outbox::forget_bodies(db, "invitation").await?;
    Ok(gone + mails)
}
