//! The error codes of the auth area, with their texts.

crate::error_codes! {
    /// Why a login, a sign-in link or a password change is refused.
    pub enum AuthError {
        /// Too many attempts from this address (or this device, or on this pair).
        RateLimited = (TOO_MANY_REQUESTS, "auth.rate_limited", "ログインの失敗が続いたため、しばらくログインできません。15分ほど待ってからお試しください。", "Too many failed logins. Please wait about 15 minutes and try again."),
        /// Too many attempts on this account from everywhere: a sign-in link still works.
        AccountRateLimited = (TOO_MANY_REQUESTS, "auth.account_rate_limited", "このアカウントへのログインの失敗が続いています。メールでログイン用リンクを受け取ってログインしてください。", "Too many failed logins to this account. Please sign in with a link sent to your e-mail address."),
        /// The same answer whether the account exists or not.
        InvalidCredentials = (UNAUTHORIZED, "auth.invalid_credentials", "メールアドレスまたはパスワードが違います。", "The e-mail address or password is not right."),
        /// The current password given with a password change (a field problem).
        WrongCurrentPassword = (UNPROCESSABLE_ENTITY, "auth.invalid_credentials", "現在のパスワードが違います。", "The current password is not right."),
        InvalidLink = (UNAUTHORIZED, "auth.invalid_link", "このリンクは使用済みか、有効期限が切れています。もう一度お送りください。", "This link was already used or has expired. Please ask for a new one."),
        PasswordTooShort = (UNPROCESSABLE_ENTITY, "auth.weak_password", "パスワードは8文字以上にしてください。", "Use at least 8 characters for the password."),
        PasswordTooLong = (UNPROCESSABLE_ENTITY, "auth.weak_password", "パスワードは200文字以内にしてください。", "Use at most 200 characters for the password."),
    }
}
