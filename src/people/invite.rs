//! Invitations: a mailed link with which a new (or imported) person sets their first
//! password. It expires after the configured days and works once: the database refuses a
//! second use, even of two requests at the same moment.

use super::{PeopleError, persons, store};
use crate::AppState;
use crate::auth::login::Session;
use crate::auth::throttle::{self, Limit};
use crate::auth::{self, AuthError, ClientIp, Principal, password};
use crate::db::Tx;
use crate::error::{ApiError, ApiResult};
use crate::ids::PersonId;

/// Accept attempts per client address: the link needs no login, so guesses are bounded
/// like password guesses.
const MAX_PER_ADDRESS: i64 = 20;
const ADDRESS_WINDOW_SECS: i64 = 15 * 60;

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
    store::lock_person(tx, person_id).await?;
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
/// signs them in. Throttled per address; the token is looked up before the password is
/// hashed, so that guesses cost no hashing.
pub async fn accept(
    st: &AppState,
    ip: &ClientIp,
    token: &str,
    new_password: String,
) -> ApiResult<Session> {
    if let Some(weak) = password::weak(&new_password) {
        return Err(weak.invalid("password"));
    }
    let now = st.clock.epoch();
    let limits = [Limit::new(
        format!("invitation-address:{}", ip.throttle_key()),
        MAX_PER_ADDRESS,
        ADDRESS_WINDOW_SECS,
    )];
    if let Err(spent) = throttle::reserve(&st.db, &limits, now).await? {
        return Err(
            ApiError::from(AuthError::RateLimited).retry_after(spent.retry_after.unsigned_abs())
        );
    }
    let token_hash = password::token_hash(token.trim());
    let Some(open) = store::open_invitation(&st.db, &token_hash, now).await? else {
        return Err(PeopleError::InvitationInvalid.into());
    };
    if open.active != 1 {
        return refuse_inactive(st, open.person_id, now).await;
    }
    let hash = match st.hashing.run(move || password::hash(&new_password)).await {
        Ok(hash) => hash?,
        Err(busy) => {
            // Turned away before the check: not a guess.
            throttle::refund(&st.db, &limits).await?;
            return Err(busy);
        }
    };
    let mut tx = st.db.begin().await?;
    let person_id = match store::use_invitation(&mut tx, &token_hash, now).await? {
        None => return Err(PeopleError::InvitationInvalid.into()),
        Some((person_id, true)) => person_id,
        Some((_, false)) => {
            // Deactivated since the look-up: the link is used up all the same.
            tx.commit().await?;
            return Err(PeopleError::InvitationInvalid.into());
        }
    };
    auth::store::set_password_hash(&mut tx, person_id, &hash, None).await?;
    auth::store::revoke_login_links(&mut tx, person_id, now).await?;
    let token = auth::store::create_session(&mut tx, person_id, now).await?;
    tx.commit().await?;
    throttle::refund(&st.db, &limits).await?;
    Ok(Session { person_id, token })
}

/// An inactive account's link is closed (committed) and refused, so that it does not work
/// again once the account is reactivated.
async fn refuse_inactive(st: &AppState, person_id: PersonId, now: i64) -> ApiResult<Session> {
    let mut tx = st.db.begin().await?;
    store::close_invitations(&mut tx, person_id, now).await?;
    tx.commit().await?;
    Err(PeopleError::InvitationInvalid.into())
}

/// Deletes expired invitations and empties the bodies of invitation mails once sent (they
/// hold a live token); answers how many rows changed. Idempotent, for the background job.
pub async fn purge(db: &crate::db::Db, now: i64) -> sqlx::Result<u64> {
    let gone = store::purge_invitations(db, now).await?;
    let mails = crate::mail::outbox::forget_bodies(db, "invitation").await?;
    Ok(gone + mails)
}
