//! The door reader of a secure room: a kiosk device paired to the room takes a QR code, an
//! IC card or a PIN (identified as at the entrance, by the kiosk's identify) and answers
//! allow or deny with the reason. One transaction per scan: it reads the facts, decides by
//! the pure rule, records who is inside, and appends the attempt to the audit trail.

use super::audit::{self, Entry};
use super::errors::{self, AccessError};
use super::{rules, store};
use crate::AppState;
use crate::auth::credential::{self, Credential};
use crate::auth::{KioskToken, devices as kiosk_tokens};
use crate::error::{ApiError, ApiResult, Lang};
use crate::events::Event;
use crate::ids::{DeviceId, PersonId, SiteId, SpaceId};
use crate::kiosk::{identify, store::Claim};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Whether the person is going in or coming out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Enter,
    Leave,
}

impl Direction {
    /// The audit trail's action.
    pub fn action(self) -> &'static str {
        match self {
            Direction::Enter => "door.enter",
            Direction::Leave => "door.leave",
        }
    }
}

/// What the door shows after a scan.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DoorResult {
    pub allowed: bool,
    pub direction: Direction,
    /// Why not: a stable code (`access.nda_expired`, `kiosk.unknown_card`, ...).
    pub code: Option<String>,
    /// The sentence to show, in the request's language.
    pub message: String,
    pub person_name: Option<String>,
    pub room: String,
    /// The audit record of this attempt.
    pub audit_id: i64,
}

/// The most precise code of a refusal (a field's own, as `validation.too_long`) and its text.
fn text_of(e: &ApiError, lang: Lang) -> (String, String) {
    match e {
        ApiError::Client {
            code,
            detail,
            errors,
            ..
        } => (
            errors.first().map_or(*code, |f| f.code).to_string(),
            lang.pick(&detail.ja, &detail.en).to_string(),
        ),
        ApiError::Internal(_) => ("internal".into(), String::new()),
    }
}

struct Door {
    device: DeviceId,
    site: SiteId,
    space: SpaceId,
    room: String,
    roster_enough: bool,
    tz: chrono_tz::Tz,
}

/// The door reader a token belongs to, read in one statement (the scan's latency budget is
/// small); 401 for an unknown or revoked token, 403 for an entrance kiosk.
async fn door(st: &AppState, token: &KioskToken, now: i64) -> ApiResult<Door> {
    let row = store::door_by_token(&st.db, &token.hash)
        .await?
        .ok_or_else(kiosk_tokens::unpaired)?;
    let (Some(space), Some(room)) = (row.space_id, row.room) else {
        return Err(AccessError::NotADoor.into());
    };
    let tz = crate::sites::stored_time_zone(&row.time_zone, row.site_id)?;
    // Not on every scan: the kiosk's own rule, once a minute at most.
    if let Err(e) = kiosk_tokens::seen(st, row.device_id, row.last_seen_at, now).await {
        tracing::warn!(device = row.device_id.0, "door last seen not written: {e}");
    }
    Ok(Door {
        roster_enough: row.roster_enough == 1,
        device: row.device_id,
        site: row.site_id,
        space,
        room,
        tz,
    })
}

/// The longest credential a reader sends (a signed QR payload is well under this).
pub const MAX_CREDENTIAL: usize = 200;

/// Handles one scan at a secure room's door.
pub async fn scan(
    st: &AppState,
    token: &KioskToken,
    payload: &str,
    direction: Direction,
) -> ApiResult<DoorResult> {
    let now = st.clock.now();
    let at = now.timestamp();
    let lang = Lang::current();
    let d = door(st, token, at).await?;
    let mut entry = Entry::new(at, d.site, direction.action(), "deny");
    entry.device_id = Some(d.device);
    entry.space_id = Some(d.space);
    // Something no reader produces is still an attempt at the door: audited, then refused as
    // bad input (the payload itself is not kept).
    if payload.len() > MAX_CREDENTIAL {
        let e = crate::error::invalid(
            "credential",
            crate::error::CommonError::TooLong,
            crate::error::Text::new("長すぎます。", "Too long."),
        );
        refuse(st, &d, entry, None, &e, direction, lang).await?;
        return Err(e);
    }
    let cred = credential::parse(payload);
    // A PIN is checked before the transaction (its attempt counts even when refused).
    let claim = match &cred {
        Some(Credential::Pin { member, pin }) => match identify::pin(st, member, pin, at).await {
            Ok(p) => Claim::Person(p),
            Err(e @ ApiError::Client { .. }) => {
                // The auditor sees whose member number was tried (the door shows nobody).
                let named = crate::kiosk::store::person_by_member(&st.db, member).await?;
                return refuse(st, &d, entry, named, &e, direction, lang).await;
            }
            Err(e) => return Err(e),
        },
        Some(Credential::Qr { person, .. }) => Claim::Person(*person),
        Some(Credential::Card(uid)) => Claim::Card(credential::card_hash(&st.secret, uid)),
        None => Claim::Nobody,
    };
    let mut tx = st.db.begin().await?;
    let subject = crate::kiosk::store::subject(&mut tx, st.db.backend, token, &claim)
        .await?
        .ok_or_else(kiosk_tokens::unpaired)?;
    let person = match identify::verify(st, &cred, &subject, at) {
        Ok(p) => p,
        Err(e) => {
            drop(tx);
            // A revoked, expired or forged code: the trail keeps the person it names.
            let named = match &cred {
                Some(Credential::Qr { person, .. }) => Some(*person),
                _ => subject.person.as_ref().map(|p| p.id),
            };
            return refuse(st, &d, entry, named, &e, direction, lang).await;
        }
    };
    // A person deactivated (or who no longer works at the site) is refused as the entrance
    // refuses them, and the attempt is audited with who claimed to be there.
    let active = subject
        .person
        .as_ref()
        .is_some_and(|p| p.id == person && p.active);
    if !active || !store::works_at(&mut tx, person, d.site).await? {
        drop(tx);
        let e = ApiError::from(crate::kiosk::errors::KioskError::UnknownCredential);
        return refuse(st, &d, entry, Some(person), &e, direction, lang).await;
    }
    let name = subject.person.as_ref().map(|p| p.name.clone());
    entry.actor_id = Some(person);
    entry.subject_id = Some(person);
    let decided = match direction {
        // Leaving is never refused: the trail and the room's occupants must know.
        Direction::Leave => Ok(None),
        Direction::Enter => {
            let facts = store::facts(&mut tx, person, d.space, at).await?;
            let door = rules::AtDoor {
                checked_in: store::checked_in(&mut tx, person, d.site).await?,
                booked: store::booked_now(&mut tx, person, d.space, at).await?,
                roster_enough: d.roster_enough,
            };
            let day = now.with_timezone(&d.tz).date_naive();
            rules::may_enter(&facts, door, day, at).map(Some)
        }
    };
    let who = (person, name);
    finish(tx, d, entry, who, direction, decided, lang).await
}

/// Writes the decision: who is inside, the audit record, the event; answers what to show.
async fn finish(
    mut tx: crate::db::Tx,
    d: Door,
    mut entry: Entry,
    (person, name): (PersonId, Option<String>),
    direction: Direction,
    decided: Result<Option<crate::ids::ProjectId>, rules::Refusal>,
    lang: Lang,
) -> ApiResult<DoorResult> {
    match decided {
        Ok(project) => {
            entry.decision = "allow".into();
            entry.project_id = project;
            let inside = match direction {
                Direction::Enter => {
                    store::enter(&mut tx, d.site, d.space, person, entry.at).await?;
                    true
                }
                // Only someone inside leaves: any other "leave" is a refusal, audited.
                Direction::Leave if !store::leave(&mut tx, d.space, person).await? => {
                    let e = ApiError::from(errors::AccessError::NotInside);
                    let (code, message) = text_of(&e, lang);
                    let (_, ja) = text_of(&e, Lang::Ja);
                    let (_, en) = text_of(&e, Lang::En);
                    entry.decision = "deny".into();
                    entry.reason = code.clone();
                    entry.detail = json!({"ja": ja, "en": en}).to_string();
                    let id = audit::append(&mut tx, &entry).await?;
                    tx.commit().await?;
                    return Ok(DoorResult {
                        allowed: false,
                        direction,
                        code: Some(code),
                        message,
                        person_name: name,
                        room: d.room,
                        audit_id: id,
                    });
                }
                Direction::Leave => false,
            };
            let id = audit::append(&mut tx, &entry).await?;
            tx.publish(Event::DoorPassed {
                site_id: d.site,
                space_id: d.space,
                person_id: person,
                inside,
            });
            tx.commit().await?;
            let message = match direction {
                Direction::Enter => lang.pick("入室できます。", "Come in."),
                Direction::Leave => lang.pick("退室しました。", "Goodbye."),
            };
            Ok(DoorResult {
                allowed: true,
                direction,
                code: None,
                message: message.into(),
                person_name: name,
                room: d.room,
                audit_id: id,
            })
        }
        Err(r) => {
            let e = errors::refusal(&r, d.tz);
            entry.reason = errors::code_of(&r).code_str().into();
            entry.detail = json!({
                "ja": errors::text(&r, d.tz, Lang::Ja),
                "en": errors::text(&r, d.tz, Lang::En),
            })
            .to_string();
            let id = audit::append(&mut tx, &entry).await?;
            tx.commit().await?;
            let (code, message) = text_of(&e, lang);
            Ok(DoorResult {
                allowed: false,
                direction,
                code: Some(code),
                message,
                person_name: name,
                room: d.room,
                audit_id: id,
            })
        }
    }
}

/// A scan refused before the person was known (unknown card, wrong PIN, revoked code):
/// still an attempt, so it is audited.
async fn refuse(
    st: &AppState,
    d: &Door,
    mut entry: Entry,
    person: Option<PersonId>,
    e: &ApiError,
    direction: Direction,
    lang: Lang,
) -> ApiResult<DoorResult> {
    let (code, message) = text_of(e, lang);
    if code == "internal" {
        return Err(ApiError::Internal(anyhow::anyhow!("door scan: {e}")));
    }
    let (_, ja) = text_of(e, Lang::Ja);
    let (_, en) = text_of(e, Lang::En);
    entry.subject_id = person;
    entry.reason = code.clone();
    entry.detail = json!({"ja": ja, "en": en}).to_string();
    let mut tx = st.db.begin().await?;
    let id = audit::append(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(DoorResult {
        allowed: false,
        direction,
        code: Some(code),
        message,
        person_name: None,
        room: d.room.clone(),
        audit_id: id,
    })
}
