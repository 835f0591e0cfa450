//! The error codes of the auth area, with their texts.

use crate::error::{ApiError, Validator, invalid_code};

crate::error_codes! {
    /// Why a login, a sign-in link or a password change is refused.
    pub enum AuthError {
        /// Too many attempts from this address (or this device, or on this pair).
        RateLimited = (TOO_MANY_REQUESTS, "auth.rate_limited", "ログインの失敗が続いたため、しばらくログインできません。15分ほど待ってからお試しください。", "Too many failed logins. Please wait about 15 minutes and try again."),
        /// Too many attempts on this account from everywhere: a sign-in link still works.
        AccountRateLimited = (TOO_MANY_REQUESTS, "auth.account_rate_limited", "このアカウントへのログインの失敗が続いています。メールでログイン用リンクを受け取ってログインしてください。", "Too many failed logins to this account. Please sign in with a link sent to your e-mail address."),
        /// `{what}`: the e-mail address or password of a login (the same answer whether the
        /// account exists or not), or the current password of a password change (a field
        /// problem); see [`AuthError::credentials`] and [`AuthError::current_password`].
        InvalidCredentials = (UNAUTHORIZED, "auth.invalid_credentials", "{what}が違います。", "The {what} is not right."),
        InvalidLink = (UNAUTHORIZED, "auth.invalid_link", "このリンクは使用済みか、有効期限が切れています。もう一度お送りください。", "This link was already used or has expired. Please ask for a new one."),
        /// `{limit}`: see [`Weakness`].
        WeakPassword = (UNPROCESSABLE_ENTITY, "auth.weak_password", "パスワードは{limit}にしてください。", "Use {limit} characters for the password."),
    }
}

impl AuthError {
    /// The answer to a login with a wrong e-mail address or password.
    pub fn credentials() -> ApiError {
        ApiError::from(AuthError::InvalidCredentials).with_text(
            "what",
            "メールアドレスまたはパスワード",
            "e-mail address or password",
        )
    }

    /// The field problem of a password change whose current password is wrong.
    pub fn current_password() -> ApiError {
        invalid_code("current_password", AuthError::InvalidCredentials).with_text(
            "what",
            "現在のパスワード",
            "current password",
        )
    }
}

/// Why a new password is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weakness {
    TooShort,
    TooLong,
}

impl Weakness {
    /// The `{limit}` of [`AuthError::WeakPassword`] in both languages.
    pub fn limit(self) -> (&'static str, &'static str) {
        match self {
            Weakness::TooShort => ("8文字以上", "at least 8"),
            Weakness::TooLong => ("200文字以内", "at most 200"),
        }
    }

    /// Records the refusal against a field of a form.
    pub fn reject(self, v: &mut Validator, field: &str) {
        let (ja, en) = self.limit();
        v.reject(field, AuthError::WeakPassword)
            .with_text("limit", ja, en);
    }

    /// The refusal of a single field.
    pub fn invalid(self, field: &str) -> ApiError {
        let (ja, en) = self.limit();
        invalid_code(field, AuthError::WeakPassword).with_text("limit", ja, en)
    }
}
