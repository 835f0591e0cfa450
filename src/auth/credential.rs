//! A person's kiosk credentials (identity): a signed QR token (rotating on the phone, static
//! on a printed card), an IC card's id, or a member number with a PIN. Signing, parsing and
//! drawing the QR code are pure functions; the `kiosk_credentials` table's SQL is below them.

use crate::db::Db;
use crate::ids::PersonId;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Seconds a rotating QR code lasts; the current and the previous window are accepted.
pub const WINDOW_SECS: i64 = 30;

/// What a scanned payload claims to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// `KADO1.<person>.<version>.<r|c><n>.<mac>`: r = rotating window n, c = card serial n.
    Qr {
        person: PersonId,
        version: i64,
        card: bool,
        n: i64,
        mac: String,
    },
    /// `PIN:<member number>:<pin>` from the kiosk's PIN pad.
    Pin { member: String, pin: String },
    /// Anything else that looks like a card id (FeliCa IDm or MIFARE UID, in hex).
    Card(String),
}

/// Reads a payload as typed by a reader or the PIN pad; None when it is nothing we know.
pub fn parse(payload: &str) -> Option<Credential> {
    let p = payload.trim();
    if let Some(rest) = p.strip_prefix("KADO1.") {
        let parts: Vec<&str> = rest.split('.').collect();
        let [person, version, kind, mac] = parts[..] else {
            return None;
        };
        let (card, n) = match kind.split_at_checked(1)? {
            ("r", n) => (false, n.parse().ok()?),
            ("c", n) => (true, n.parse().ok()?),
            _ => return None,
        };
        return Some(Credential::Qr {
            person: PersonId(person.parse().ok()?),
            version: version.parse().ok()?,
            card,
            n,
            mac: mac.to_ascii_lowercase(),
        });
    }
    if p.get(..4)
        .is_some_and(|head| head.eq_ignore_ascii_case("pin:"))
    {
        let (member, pin) = p[4..].split_once(':')?;
        return Some(Credential::Pin {
            member: member.trim().to_string(),
            pin: pin.trim().to_string(),
        });
    }
    let hex = p.replace([' ', ':', '-'], "");
    ((8..=32).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| Credential::Card(hex.to_ascii_uppercase()))
}

fn mac(secret: &[u8], msg: &str) -> String {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    m.update(msg.as_bytes());
    // 80 bits are plenty for a code that lives 30 seconds or can be revoked, and keep the
    // QR code small.
    hex::encode(&m.finalize().into_bytes()[..10])
}

/// The signed payload of a QR code.
pub fn sign(secret: &[u8], person: impl Into<i64>, version: i64, card: bool, n: i64) -> String {
    let person: i64 = person.into();
    let kind = if card { 'c' } else { 'r' };
    let body = format!("KADO1.{person}.{version}.{kind}{n}");
    let m = mac(secret, &body);
    format!("{body}.{m}")
}

/// The rotating window of an instant.
pub fn window(now: i64) -> i64 {
    now.div_euclid(WINDOW_SECS)
}

/// Why a QR code is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QrRefusal {
    /// The signature does not match: forged or altered.
    Forged,
    /// Signed with a version that was revoked.
    Revoked,
    /// A rotating code from an older window (a screenshot, say).
    Expired,
}

/// Checks a QR credential against the person's current version and card serial.
pub fn verify(
    secret: &[u8],
    c: &Credential,
    now: i64,
    version: i64,
    card_serial: i64,
) -> Result<PersonId, QrRefusal> {
    let Credential::Qr {
        person,
        version: v,
        card,
        n,
        mac: m,
    } = c
    else {
        return Err(QrRefusal::Forged);
    };
    let expected = sign(secret, *person, *v, *card, *n);
    let given = format!(
        "KADO1.{person}.{v}.{}{n}.{m}",
        if *card { 'c' } else { 'r' }
    );
    // Compare in constant time: the MAC is a secret until it matches.
    let same = expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(QrRefusal::Forged);
    }
    if *v != version || (*card && *n != card_serial) {
        return Err(QrRefusal::Revoked);
    }
    if !*card && !(window(now) - 1..=window(now)).contains(n) {
        return Err(QrRefusal::Expired);
    }
    Ok(*person)
}

/// An IC card id as stored: keyed by the server secret, so the table alone does not give the
/// card ids away, and still found by value.
pub fn card_hash(secret: &[u8], uid: &str) -> String {
    mac(secret, &format!("card:{}", uid.to_ascii_uppercase()))
}

/// The throttle key of a person's PIN (the lockout lives in auth's throttle).
pub fn pin_key(person: PersonId) -> String {
    format!("pin:{person}")
}

/// A QR code as a PNG image (the printed card and the kiosk's camera tests).
pub fn png_of(payload: &str) -> anyhow::Result<Vec<u8>> {
    crate::mail::qr_png(payload)
}

/// A QR code as an SVG image, for a phone's screen.
pub fn svg_of(payload: &str) -> anyhow::Result<String> {
    Ok(qrcode::QrCode::new(payload.as_bytes())?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build())
}

/// A person's QR version, card serial and PIN hash.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Credentials {
    pub qr_version: i64,
    pub card_serial: i64,
    pub pin_hash: Option<String>,
}

impl Default for Credentials {
    /// What a person has before any credential was ever changed.
    fn default() -> Self {
        Credentials {
            qr_version: 1,
            card_serial: 1,
            pin_hash: None,
        }
    }
}

/// A person's credentials (the defaults when none were ever changed).
pub async fn credentials(db: &Db, person_id: PersonId) -> sqlx::Result<Credentials> {
    credentials_in(&db.pool, person_id).await
}

/// A person's credentials, read through a given connection or transaction.
pub async fn credentials_in<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    person_id: impl Into<i64>,
) -> sqlx::Result<Credentials> {
    let row: Option<Credentials> = sqlx::query_as(
        "SELECT qr_version, card_serial, pin_hash FROM kiosk_credentials WHERE person_id = $1",
    )
    .bind(person_id.into())
    .fetch_optional(ex)
    .await?;
    Ok(row.unwrap_or_default())
}

/// Writes a person's credentials row: `insert` holds the values of a first row,
/// `update` what to change in an existing one.
async fn upsert(
    db: &Db,
    person_id: PersonId,
    insert: (&str, &str),
    update: &str,
    value: Option<String>,
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO kiosk_credentials (person_id, {}) VALUES ($1, {})
         ON CONFLICT (person_id) DO UPDATE SET {update}",
        insert.0, insert.1
    ))
    .bind(person_id)
    .bind(value)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Revokes every QR code of the person (phone and card alike).
pub async fn bump_qr_version(db: &Db, person_id: PersonId) -> sqlx::Result<()> {
    upsert(
        db,
        person_id,
        ("qr_version, pin_hash", "2, $2"),
        "qr_version = kiosk_credentials.qr_version + 1",
        None,
    )
    .await
}

/// Revokes the printed card: the next card gets a new serial.
pub async fn bump_card_serial(db: &Db, person_id: PersonId) -> sqlx::Result<()> {
    upsert(
        db,
        person_id,
        ("card_serial, pin_hash", "2, $2"),
        "card_serial = kiosk_credentials.card_serial + 1",
        None,
    )
    .await
}

/// Sets (or with None clears) the PIN. The lockout lives in auth's throttle ([`pin_key`]);
/// the callers lift it. The old `pin_failures` and `pin_locked_until` columns are no longer
/// read.
pub async fn set_pin(db: &Db, person_id: PersonId, hash: Option<String>) -> sqlx::Result<()> {
    upsert(
        db,
        person_id,
        ("pin_hash", "$2"),
        "pin_hash = excluded.pin_hash",
        hash,
    )
    .await
}

/// A registered IC card as stored (its id only as a keyed hash).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CardRow {
    pub id: i64,
    pub person_id: i64,
    pub label: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// A person's IC cards, by id.
pub async fn cards(db: &Db, person: PersonId) -> sqlx::Result<Vec<CardRow>> {
    sqlx::query_as(
        "SELECT id, person_id, label, created_at, revoked_at FROM ic_cards WHERE person_id = $1 ORDER BY id",
    )
    .bind(person)
    .fetch_all(&db.pool)
    .await
}

/// Registers an IC card; answers its id.
pub async fn add_card(
    db: &Db,
    person: PersonId,
    hash: &str,
    label: &str,
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO ic_cards (person_id, card_hash, label, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(person)
    .bind(hash)
    .bind(label)
    .bind(now)
    .fetch_one(&db.pool)
    .await
}

/// The holder of an IC card.
pub async fn card_holder(db: &Db, card: i64) -> sqlx::Result<Option<PersonId>> {
    let p: Option<i64> = sqlx::query_scalar("SELECT person_id FROM ic_cards WHERE id = $1")
        .bind(card)
        .fetch_optional(&db.pool)
        .await?;
    Ok(p.map(PersonId))
}

/// Revokes an IC card.
pub async fn revoke_card(db: &Db, card: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE ic_cards SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(card)
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"test secret";

    #[test]
    fn rotating_code_lives_two_windows() {
        let now = 1_800_000_015;
        let code = sign(SECRET, 42, 3, false, window(now));
        let c = parse(&code).unwrap();
        assert_eq!(verify(SECRET, &c, now, 3, 1), Ok(PersonId(42)));
        assert_eq!(
            verify(SECRET, &c, now + WINDOW_SECS, 3, 1),
            Ok(PersonId(42)),
            "previous window"
        );
        assert_eq!(
            verify(SECRET, &c, now + 2 * WINDOW_SECS, 3, 1),
            Err(QrRefusal::Expired)
        );
        assert_eq!(verify(SECRET, &c, now, 4, 1), Err(QrRefusal::Revoked));
    }

    #[test]
    fn forged_and_tampered_codes() {
        let now = 1_800_000_000;
        let code = sign(SECRET, 42, 3, false, window(now));
        assert_eq!(
            verify(b"other secret", &parse(&code).unwrap(), now, 3, 1),
            Err(QrRefusal::Forged)
        );
        let tampered = code.replacen("KADO1.42.", "KADO1.43.", 1);
        assert_eq!(
            verify(SECRET, &parse(&tampered).unwrap(), now, 3, 1),
            Err(QrRefusal::Forged)
        );
        let mut flipped = code.clone();
        let last = flipped.pop().unwrap();
        flipped.push(if last == '0' { '1' } else { '0' });
        assert_eq!(
            verify(SECRET, &parse(&flipped).unwrap(), now, 3, 1),
            Err(QrRefusal::Forged)
        );
    }

    #[test]
    fn printed_card_is_static_and_revocable() {
        let card = sign(SECRET, 7, 1, true, 2);
        let c = parse(&card).unwrap();
        assert_eq!(verify(SECRET, &c, 0, 1, 2), Ok(PersonId(7)));
        assert_eq!(
            verify(SECRET, &c, 9_999_999_999, 1, 2),
            Ok(PersonId(7)),
            "no expiry"
        );
        assert_eq!(
            verify(SECRET, &c, 0, 1, 3),
            Err(QrRefusal::Revoked),
            "a new card was printed"
        );
    }

    #[test]
    fn payloads() {
        assert_eq!(
            parse("PIN:K-0001:1234"),
            Some(Credential::Pin {
                member: "K-0001".into(),
                pin: "1234".into()
            })
        );
        assert_eq!(parse("pin:K-0001:1234"), parse("PIN:K-0001:1234"));
        assert_eq!(
            parse("0123456789abcdef"),
            Some(Credential::Card("0123456789ABCDEF".into()))
        );
        assert_eq!(
            parse("04:A2:3B:7C"),
            Some(Credential::Card("04A23B7C".into()))
        );
        for junk in [
            "",
            "hello",
            "KADO1.x.1.r1.ab",
            "KADO1.1.1.z1.ab",
            "KADO1.1.1",
            "PIN:",
            "12345",
            "ｐｉｎ",
        ] {
            assert_eq!(parse(junk), None, "{junk:?}");
        }
        assert_ne!(card_hash(SECRET, "04a23b7c"), card_hash(b"x", "04A23B7C"));
        assert_eq!(card_hash(SECRET, "04a23b7c"), card_hash(SECRET, "04A23B7C"));
    }
}
