//! Operator pages: what the service itself does, as directors and administrators see it
//! (the outbox of e-mail). On top of the areas, beside the router.

pub mod outbox;

crate::error_codes! {
    /// Refusals of the operator pages.
    pub enum OpsError {
        NotFailed = (CONFLICT, "mail.not_failed", "送信に失敗したメールだけ再送できます。", "Only failed messages can be retried."),
    }
}
