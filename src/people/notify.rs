//! The e-mails of the people area: the invitation to set one's password, and the notice to
//! the old address when someone else changes an account's e-mail address.

use crate::AppState;
use crate::db::Tx;
use crate::error::Lang;
use crate::ids::PersonId;
use crate::mail::outbox;
use crate::mail::templates::{LinkMessage, link_email};

/// Puts an invitation with its link in the outbox, inside the caller's transaction.
pub async fn invitation(
    st: &AppState,
    tx: &mut Tx,
    person_id: PersonId,
    token: &str,
    days: i64,
) -> anyhow::Result<()> {
    let (email, name, lang) = recipient(tx, person_id).await?;
    let base = st.config.base_url();
    // In the fragment: never sent to a server, so no log or Referer keeps it. The page posts
    // it, so a mail scanner that follows links cannot use it up.
    let link = format!("{base}/welcome/#{token}");
    let (subject, hello, body, ignore) = match lang {
        Lang::Ja => (
            "【KADO】アカウントのご案内".to_string(),
            format!("{name} さん"),
            format!(
                "KADO のアカウントができました。次のリンクを開いてパスワードを決めてください({days}日間、1回だけ有効です)。"
            ),
            "お心当たりがない場合はこのメールを破棄してください。",
        ),
        Lang::En => (
            "[KADO] Your account".to_string(),
            format!("Dear {name},"),
            format!(
                "Your KADO account is ready. Open this link to choose your password (it works once, for {days} days)."
            ),
            "If you did not expect this message, ignore it.",
        ),
    };
    let m = LinkMessage {
        subject,
        hello,
        body,
        link: &link,
        ignore,
    };
    queue(st, tx, "invitation", link_email(email, name, lang, m)).await
}

/// Tells the old address that the account's e-mail address was changed by someone else (a
/// director or an administrator): to the owner, an account moved to another address is an
/// account taken over until they say otherwise.
pub async fn email_changed(
    st: &AppState,
    tx: &mut Tx,
    (person_id, old_email): (PersonId, &str),
    by: PersonId,
) -> anyhow::Result<()> {
    let (email, name, lang) = recipient(tx, person_id).await?;
    let changer: String = sqlx::query_scalar("SELECT name FROM persons WHERE id = $1")
        .bind(by)
        .fetch_one(&mut **tx)
        .await?;
    let base = st.config.base_url();
    let link = format!("{base}/");
    let (subject, hello, body, ignore) = match lang {
        Lang::Ja => (
            "【KADO】メールアドレスが変更されました".to_string(),
            format!("{name} さん"),
            format!(
                "KADO のアカウントのメールアドレスが {changer} さんによって {email} に変更されました。以後のお知らせは新しいアドレスに届きます。"
            ),
            "お心当たりがない場合は、すぐにセンターへご連絡ください。",
        ),
        Lang::En => (
            "[KADO] Your e-mail address was changed".to_string(),
            format!("Dear {name},"),
            format!(
                "{changer} changed the e-mail address of your KADO account to {email}. Messages now go to the new address."
            ),
            "If you did not expect this, contact your center at once.",
        ),
    };
    let m = LinkMessage {
        subject,
        hello,
        body,
        link: &link,
        ignore,
    };
    let message = link_email(old_email.to_string(), name, lang, m);
    queue(st, tx, "email_changed", message).await
}

/// The person's address, name and language, as their messages need them.
async fn recipient(tx: &mut Tx, person_id: PersonId) -> anyhow::Result<(String, String, Lang)> {
    let (email, name, language): (String, String, String) =
        sqlx::query_as("SELECT email, name, language FROM persons WHERE id = $1")
            .bind(person_id)
            .fetch_one(&mut **tx)
            .await?;
    let lang = crate::auth::stored_language(&language, person_id)?;
    Ok((email, name, lang))
}

/// Puts a message of this area in the outbox, inside the caller's transaction.
async fn queue(
    st: &AppState,
    tx: &mut Tx,
    kind: &str,
    message: crate::mail::Email,
) -> anyhow::Result<()> {
    let host = crate::mail::host(&st.config.base_url());
    outbox::enqueue(tx, None, kind, &message, &host, st.clock.epoch()).await?;
    Ok(())
}
