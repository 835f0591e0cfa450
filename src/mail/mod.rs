//! E-mail: messages go to the outbox table in the transaction of the change that causes them;
//! a job sends them through lettre (SMTP when `SMTP_URL` is set, else `.eml` files in a
//! mail-drop folder), retrying with back-off, so nothing is lost while the server is down.
//! A leaf: it knows no area; each area writes its own notices (`<area>/notify.rs`) with the
//! shared layout of [`templates`].

pub mod outbox;
pub mod templates;

use crate::AppState;
use crate::config::Config;
use anyhow::Context;
use base64::Engine;
use lettre::message::header::ContentType;
use lettre::message::{Attachment as Part, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

/// A file sent with a message; `content_id` makes it inline (an image in the HTML).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    /// The bytes, base64 (empty for a QR code, drawn when the message is built).
    pub data: String,
    pub content_id: Option<String>,
    /// The text of a QR code to draw as this PNG when the message is sent, so that the
    /// transaction which queued the message does not spend its time drawing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr: Option<String>,
}

impl Attachment {
    /// An attachment from bytes.
    pub fn new(
        filename: &str,
        content_type: &str,
        bytes: &[u8],
        content_id: Option<&str>,
    ) -> Attachment {
        Attachment {
            filename: filename.into(),
            content_type: content_type.into(),
            data: base64::engine::general_purpose::STANDARD.encode(bytes),
            content_id: content_id.map(str::to_string),
            qr: None,
        }
    }

    /// A PNG of a QR code holding `payload`, drawn when the message is built.
    pub fn qr_png(filename: &str, payload: &str, content_id: Option<&str>) -> Attachment {
        Attachment {
            filename: filename.into(),
            content_type: "image/png".into(),
            data: String::new(),
            content_id: content_id.map(str::to_string),
            qr: Some(payload.into()),
        }
    }

    /// The attachment's bytes.
    fn bytes(&self) -> anyhow::Result<Vec<u8>> {
        match &self.qr {
            Some(payload) => qr_png(payload),
            None => Ok(base64::engine::general_purpose::STANDARD.decode(&self.data)?),
        }
    }
}

/// A QR code as a PNG image of at least 300 px: what a phone shows at the kiosk's reader.
pub fn qr_png(payload: &str) -> anyhow::Result<Vec<u8>> {
    let img = qrcode::QrCode::new(payload.as_bytes())?
        .render::<image::Luma<u8>>()
        .min_dimensions(300, 300)
        .build();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// A message to one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub to_email: String,
    pub to_name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<Attachment>,
}

/// Where messages go.
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>, std::path::PathBuf),
}

impl Mailer {
    /// SMTP when a URL is configured (`smtp://`, `smtps://`, with `?tls=required` for
    /// STARTTLS and user:password for AUTH), else `.eml` files in the mail-drop folder.
    pub fn from_config(c: &Config) -> anyhow::Result<Mailer> {
        match c.smtp_url.as_deref().filter(|u| !u.is_empty()) {
            Some(url) => Ok(Mailer::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .with_context(|| {
                        format!(
                            "SMTP_URL is not a valid SMTP address: {}",
                            crate::db::redact(url)
                        )
                    })?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
            )),
            None => {
                std::fs::create_dir_all(&c.mail_dir).with_context(|| {
                    format!("cannot create the mail folder {}", c.mail_dir.display())
                })?;
                Ok(Mailer::Folder(
                    AsyncFileTransport::new(&c.mail_dir),
                    c.mail_dir.clone(),
                ))
            }
        }
    }
}

/// Builds the MIME message: text and HTML alternatives, inline images, attachments.
pub fn build(from: &str, message_id: &str, e: &Email) -> anyhow::Result<Message> {
    let to = Mailbox::new(
        Some(e.to_name.clone()).filter(|n| !n.is_empty()),
        e.to_email.parse()?,
    );
    let alternative = MultiPart::alternative_plain_html(e.text.clone(), e.html.clone());
    let mut related = MultiPart::related().multipart(alternative);
    let mut files = Vec::new();
    for a in &e.attachments {
        let ct = ContentType::parse(&a.content_type)?;
        let bytes = a.bytes()?;
        match &a.content_id {
            Some(cid) => {
                related = related.singlepart(Part::new_inline(cid.clone()).body(bytes, ct))
            }
            None => files.push(Part::new(a.filename.clone()).body(bytes, ct)),
        }
    }
    let body = files
        .into_iter()
        .fold(MultiPart::mixed().multipart(related), |m, f: SinglePart| {
            m.singlepart(f)
        });
    Ok(Message::builder()
        .from(from.parse()?)
        .to(to)
        .subject(e.subject.clone())
        .message_id(Some(message_id.to_string()))
        .multipart(body)?)
}

/// What one run of the sender did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub sent: usize,
    pub retry: usize,
    pub failed: usize,
}

/// The host name of the service's address, for Message-IDs.
pub fn host(base_url: &str) -> String {
    base_url
        .split("://")
        .nth(1)
        .unwrap_or(base_url)
        .split(['/', ':'])
        .next()
        .unwrap_or("kado")
        .to_string()
}

/// Sends every message that is due, in batches, until none is left or the server fails.
pub async fn send_due(st: &AppState) -> anyhow::Result<Report> {
    let mut report = Report::default();
    loop {
        let now = st.clock.epoch();
        let batch = outbox::claim(&st.db, now, 20).await?;
        if batch.is_empty() {
            return Ok(report);
        }
        let mut server_down = false;
        for q in batch {
            if server_down {
                // Not tried: leave it for the next run without counting an attempt.
                outbox::release(&st.db, q.id).await?;
                report.retry += 1;
                continue;
            }
            let built = match &q.problem {
                Some(problem) => Err(anyhow::anyhow!("{problem}")),
                None => build(&st.config.mail_from, &q.message_id, &q.email),
            };
            let result = match built {
                Err(e) => Err((format!("cannot build the message: {e}"), true)),
                Ok(msg) => match st.mailer.as_ref() {
                    Mailer::Smtp(t) => t
                        .send(msg)
                        .await
                        .map(|_| ())
                        .map_err(|e| (e.to_string(), e.is_permanent())),
                    Mailer::Folder(t, _) => t
                        .send(msg)
                        .await
                        .map(|_| ())
                        .map_err(|e| (e.to_string(), false)),
                },
            };
            match result {
                Ok(()) => {
                    outbox::sent(&st.db, q.id, now).await?;
                    report.sent += 1;
                }
                Err((error, permanent)) => {
                    tracing::warn!(id = q.id.0, %error, "mail not sent");
                    outbox::failed(&st.db, &q, &error, permanent, now).await?;
                    if permanent {
                        report.failed += 1;
                    } else {
                        report.retry += 1;
                        server_down = true;
                    }
                }
            }
        }
        if server_down {
            return Ok(report);
        }
    }
}
