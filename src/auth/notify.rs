//! The e-mails of the auth area: the one-time sign-in link.

use crate::AppState;
use crate::db::Tx;
use crate::error::Lang;
use crate::ids::PersonId;
use crate::mail::outbox;
use crate::mail::templates::Recipient;
use crate::mail::templates::{LinkMessage, link_email};

/// Puts a sign-in link for the person in the outbox, inside the caller's transaction.
pub async fn login_link(
    st: &AppState,
    tx: &mut Tx,
    person_id: PersonId,
    token: &str,
) -> anyhow::Result<()> {
    let (email, name, language): (String, String, String) =
        sqlx::query_as("SELECT email, name, language FROM persons WHERE id = $1")
            .bind(person_id)
            .fetch_one(&mut **tx)
            .await?;
    let lang = super::stored_language(&language, person_id)?;
    let base = st.config.base_url();
    // The page posts the token: a mail scanner that follows links cannot use it up.
    let link = format!("{base}/?signin={token}");
    let minutes = super::login::LINK_SECS / 60;
    let (subject, hello, body, ignore) = match lang {
        Lang::Ja => (
            "【KADO】ログイン用リンク".to_string(),
            format!("{name} さん"),
            format!("次のリンクを開くとログインできます({minutes}分間、1回だけ有効です)。"),
            "お心当たりがない場合はこのメールを破棄してください。パスワードは変わりません。",
        ),
        Lang::En => (
            "[KADO] Your sign-in link".to_string(),
            format!("Dear {name},"),
            format!("Open this link to sign in (it works once, for {minutes} minutes)."),
            "If you did not ask for it, ignore this message: your password is unchanged.",
        ),
    };
    let message = link_email(
        email,
        name,
        lang,
        LinkMessage {
            subject,
            hello,
            body,
            link: &link,
            ignore,
        },
    );
    let host = crate::mail::host(&base);
    outbox::enqueue(tx, None, "login_link", &message, &host, st.clock.epoch()).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct RecipientRow {
    email: String,
    name: String,
    language: String,
}

/// Where a person's e-mail goes and in which language, when they are active (every area's
/// notices address people through this).
pub async fn recipient<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    person_id: PersonId,
) -> sqlx::Result<Option<Recipient>> {
    let row: Option<RecipientRow> =
        sqlx::query_as("SELECT email, name, language FROM persons WHERE id = $1 AND active = 1")
            .bind(person_id)
            .fetch_optional(ex)
            .await?;
    Ok(row.map(|r| Recipient::new(r.email, r.name, &r.language)))
}

#[derive(sqlx::FromRow)]
struct AddresseeRow {
    email: String,
    name: String,
    language: String,
    qr_version: Option<i64>,
    card_serial: Option<i64>,
}

/// [`recipient`] and the person's credentials (for the QR code a confirmation carries) in
/// one statement.
pub async fn recipient_and_credentials<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    person_id: PersonId,
) -> sqlx::Result<Option<(Recipient, super::credential::Credentials)>> {
    let row: Option<AddresseeRow> = sqlx::query_as(
        "SELECT p.email, p.name, p.language, c.qr_version, c.card_serial
         FROM persons p LEFT JOIN kiosk_credentials c ON c.person_id = p.id
         WHERE p.id = $1 AND p.active = 1",
    )
    .bind(person_id)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(|r| {
        let none = super::credential::Credentials::default();
        let creds = super::credential::Credentials {
            qr_version: r.qr_version.unwrap_or(none.qr_version),
            card_serial: r.card_serial.unwrap_or(none.card_serial),
            ..none
        };
        (Recipient::new(r.email, r.name, &r.language), creds)
    }))
}
