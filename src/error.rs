//! One error type for the API, rendered as `application/problem+json` (RFC 9457) in the
//! request's language, and the extractors that turn malformed requests into such errors.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The languages people read this service in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Ja,
    En,
}

tokio::task_local! {
    /// The language of the request being handled.
    pub static LANG: Lang;
}

impl Lang {
    /// The first of ja/en an `Accept-Language` header asks for, by its q-values; Japanese
    /// when it asks for neither.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.unwrap_or_default().split(',') {
            let mut it = part.trim().split(';');
            let tag = it.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = it
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("ja") => Lang::Ja,
                Some("en") => Lang::En,
                _ => continue,
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::Ja, |(_, l)| l)
    }

    /// The language of the current request (Japanese outside one).
    pub fn current() -> Lang {
        LANG.try_with(|l| *l).unwrap_or(Lang::Ja)
    }

    /// Picks the text in this language.
    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

/// A message in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub ja: String,
    pub en: String,
}

impl Text {
    /// A message given in Japanese and English.
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            ja: ja.into(),
            en: en.into(),
        }
    }

    fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.ja, &self.en)
    }

    fn fill(&mut self, name: &str, ja: &str, en: &str) {
        let key = format!("{{{name}}}");
        self.ja = self.ja.replace(&key, ja);
        self.en = self.en.replace(&key, en);
    }
}

/// A stable error code with its HTTP status and its texts in both languages, declared with
/// [`error_codes!`]: one enum per area, so that a code cannot be used without its texts.
pub trait ErrorCode: Copy + 'static {
    /// Every code of the enum, for the OpenAPI document and the catalogue test.
    const ALL: &'static [Self];
    /// The stable machine code, e.g. `booking.overlap`.
    fn code(self) -> &'static str;
    /// The HTTP status it answers with.
    fn status(self) -> StatusCode;
    /// The Japanese and English texts; `{name}` marks a value given with [`ApiError::with`].
    fn texts(self) -> (&'static str, &'static str);
}

/// One entry of the error catalogue, whatever its area.
#[derive(Clone, Copy, Debug)]
pub struct CodeInfo {
    pub code: &'static str,
    pub status: StatusCode,
    pub ja: &'static str,
    pub en: &'static str,
}

/// The catalogue entries of one area's codes.
pub fn catalogue_of<E: ErrorCode>() -> impl Iterator<Item = CodeInfo> {
    E::ALL.iter().map(|c| {
        let (ja, en) = c.texts();
        CodeInfo {
            code: c.code(),
            status: c.status(),
            ja,
            en,
        }
    })
}

/// Declares an area's error codes: each variant with its HTTP status (a `StatusCode`
/// constant name), its stable code and its ja/en texts side by side.
///
/// ```ignore
/// error_codes! {
///     /// Why a booking is refused.
///     pub enum BookingError {
///         /// The desk is taken at that time.
///         Overlap = (CONFLICT, "booking.overlap", "その時間は予約済みです。", "That time is taken."),
///     }
/// }
/// ```
#[macro_export]
macro_rules! error_codes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($status:ident, $code:literal, $ja:literal, $en:literal) ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $name { $( $(#[$vmeta])* $variant ),* }

        impl $crate::error::ErrorCode for $name {
            const ALL: &'static [Self] = &[$(Self::$variant),*];
            fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),* }
            }
            fn status(self) -> ::axum::http::StatusCode {
                match self { $(Self::$variant => ::axum::http::StatusCode::$status),* }
            }
            fn texts(self) -> (&'static str, &'static str) {
                match self { $(Self::$variant => ($ja, $en)),* }
            }
        }

        impl From<$name> for $crate::error::ApiError {
            fn from(code: $name) -> Self {
                $crate::error::ApiError::coded(code)
            }
        }
    };
}

error_codes! {
    /// The codes every area shares: authentication, validation, malformed requests, the
    /// service's own state.
    pub enum CommonError {
        AuthRequired = (UNAUTHORIZED, "auth.required", "ログインしてください。", "Please log in."),
        Forbidden = (FORBIDDEN, "auth.forbidden", "この操作を行う権限がありません。", "You are not allowed to do this."),
        /// `{what}` names the record, e.g. with `.with_text("what", "予約", "Booking")`.
        NotFound = (NOT_FOUND, "not_found", "{what}が見つかりません。", "{what} not found."),
        /// The first field's message is the detail; `errors` lists every field.
        Validation = (UNPROCESSABLE_ENTITY, "validation", "入力内容に誤りがあります。", "Some fields are not right."),
        Required = (UNPROCESSABLE_ENTITY, "validation.required", "入力してください。", "This field is required."),
        TooLong = (UNPROCESSABLE_ENTITY, "validation.too_long", "{max}文字以内で入力してください。", "Use at most {max} characters."),
        BadDate = (UNPROCESSABLE_ENTITY, "validation.bad_date", "日付は YYYY-MM-DD で入力してください(2000〜2100年)。", "Dates are YYYY-MM-DD, in the years 2000 to 2100."),
        BadTime = (UNPROCESSABLE_ENTITY, "validation.bad_time", "時刻は HH:MM で入力してください。", "Times are HH:MM."),
        OutOfRange = (UNPROCESSABLE_ENTITY, "validation.out_of_range", "{min} から {max} の間で入力してください。", "Use a number from {min} to {max}."),
        BadRange = (UNPROCESSABLE_ENTITY, "validation.bad_range", "期間は from 以降、{days}日以内にしてください。", "`to` must be on or after `from`, at most {days} days later."),
        Taken = (UNPROCESSABLE_ENTITY, "validation.taken", "この{what}はすでに使われています。", "This {what} is already in use."),
        ControlCharacter = (UNPROCESSABLE_ENTITY, "validation.control_character", "制御文字(タブと改行以外)は使えません。", "Control characters (other than tabs and line breaks) are not allowed."),
        InvalidJson = (UNPROCESSABLE_ENTITY, "request.invalid_json", "JSONの項目が正しくありません: {problem}", "The JSON fields are not right: {problem}"),
        MethodNotAllowed = (METHOD_NOT_ALLOWED, "request.method_not_allowed", "このURLではこのメソッドは使えません(Allow を参照)。", "This method is not allowed on this URL (see Allow)."),
        ContentType = (UNSUPPORTED_MEDIA_TYPE, "request.content_type", "Content-Type: application/json で送ってください。", "Send the body as Content-Type: application/json."),
        MalformedJson = (BAD_REQUEST, "request.malformed_json", "JSONの形式が正しくありません。", "The body is not well-formed JSON."),
        TooLarge = (PAYLOAD_TOO_LARGE, "request.too_large", "リクエストが大きすぎます。", "The request body is too large."),
        Unreadable = (BAD_REQUEST, "request.unreadable", "リクエストを読み取れませんでした。", "The request body could not be read."),
        InvalidPath = (BAD_REQUEST, "request.invalid_path", "URLが正しくありません: {problem}", "The URL is not right: {problem}"),
        InvalidQuery = (BAD_REQUEST, "request.invalid_query", "URLのパラメータが正しくありません: {problem}", "The query parameters are not right: {problem}"),
        CrossOrigin = (FORBIDDEN, "request.cross_origin", "別のサイトからの操作は受け付けません。", "Changes from another site's page are not accepted."),
        MetricsTokenRequired = (UNAUTHORIZED, "metrics.token_required", "メトリクスには正しいトークンが必要です。", "The metrics need the right bearer token."),
        Busy = (SERVICE_UNAVAILABLE, "service.busy", "混み合っています。少し待ってからもう一度お試しください。", "The service is busy. Please try again in a moment."),
        DatabaseUnavailable = (SERVICE_UNAVAILABLE, "service.database_unavailable", "データベースが一時的に利用できません。しばらくしてからもう一度お試しください。", "The database is unavailable for the moment. Please try again shortly."),
        Internal = (INTERNAL_SERVER_ERROR, "internal", "サーバーで問題が起きました。時間をおいてもう一度お試しください。", "Something went wrong on the server. Please try again later."),
    }
}

/// One field's problem, for forms that show each message next to its field.
#[derive(Clone, Debug)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: Text,
}

impl FieldError {
    /// Fills the `{name}` placeholder of the message.
    pub fn with(&mut self, name: &str, value: impl std::fmt::Display) -> &mut FieldError {
        let value = value.to_string();
        self.message.fill(name, &value, &value);
        self
    }

    /// Fills the `{name}` placeholder with a value that differs by language.
    pub fn with_text(&mut self, name: &str, ja: &str, en: &str) -> &mut FieldError {
        self.message.fill(name, ja, en);
        self
    }
}

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The client's mistake, or a refusal: a 4xx with a stable code.
    #[error("{code}: {}", detail.en)]
    Client {
        status: StatusCode,
        code: &'static str,
        detail: Text,
        errors: Vec<FieldError>,
        retry_after: Option<u64>,
    },
    /// Our mistake: logged, and a 500 without details for the client.
    #[error(transparent)]
    Internal(anyhow::Error),
}

/// Result of a handler or a store call.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// A client error with a code and a message in both languages (areas use their
    /// catalogued codes: `ApiError::from(code)`).
    fn client(status: StatusCode, code: &'static str, detail: Text) -> ApiError {
        ApiError::Client {
            status,
            code,
            detail,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// The client error a catalogued code stands for, with its texts.
    pub fn coded<E: ErrorCode>(code: E) -> ApiError {
        let (ja, en) = code.texts();
        Self::client(code.status(), code.code(), Text::new(ja, en))
    }

    /// Fills the `{name}` placeholder of the texts (the detail and every field's message).
    pub fn with(self, name: &str, value: impl std::fmt::Display) -> ApiError {
        let value = value.to_string();
        self.with_text(name, &value, &value)
    }

    /// Fills the `{name}` placeholder with a value that differs by language.
    pub fn with_text(mut self, name: &str, ja: &str, en: &str) -> ApiError {
        if let ApiError::Client { detail, errors, .. } = &mut self {
            detail.fill(name, ja, en);
            for e in errors {
                e.message.fill(name, ja, en);
            }
        }
        self
    }

    pub fn unauthenticated() -> ApiError {
        CommonError::AuthRequired.into()
    }

    pub fn forbidden() -> ApiError {
        CommonError::Forbidden.into()
    }

    pub fn not_found(what_ja: &str, what_en: &str) -> ApiError {
        ApiError::from(CommonError::NotFound).with_text("what", what_ja, what_en)
    }

    pub fn conflict(code: &'static str, detail: Text) -> ApiError {
        Self::client(StatusCode::CONFLICT, code, detail)
    }

    /// Adds a `Retry-After` header to a client error.
    pub fn retry_after(mut self, secs: u64) -> ApiError {
        if let ApiError::Client { retry_after, .. } = &mut self {
            *retry_after = Some(secs);
        }
        self
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Client { status, .. } => *status,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        busy(&err).unwrap_or_else(|| ApiError::Internal(err.into()))
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        err.downcast_ref::<sqlx::Error>()
            .and_then(busy)
            .unwrap_or(ApiError::Internal(err))
    }
}

/// 503 with `Retry-After` for a database error that sending the request again may cure:
/// `service.busy` when the pool had no connection in time or the database gave the
/// transaction up (deadlock, serialisation failure), `service.database_unavailable` when the
/// database cannot serve for now (connection lost, server restarting, disk full). Nothing of
/// the request was written, or its transaction was rolled back; except for a connection lost
/// during COMMIT, whose outcome the client cannot know (the database's constraints keep a
/// repeated booking from being taken twice).
fn busy(err: &sqlx::Error) -> Option<ApiError> {
    if crate::db::is_unavailable(err) {
        tracing::warn!(error = %err, "the database is unavailable; the client may retry");
        return Some(database_unavailable());
    }
    let retryable = crate::db::is_retryable(err);
    if retryable {
        tracing::warn!(error = %err, "the database gave the transaction up; the client may retry");
    }
    (retryable || matches!(err, sqlx::Error::PoolTimedOut))
        .then(|| ApiError::from(CommonError::Busy).retry_after(1))
}

/// 503 `service.database_unavailable`: the database cannot be reached or written for now.
pub fn database_unavailable() -> ApiError {
    ApiError::from(CommonError::DatabaseUnavailable).retry_after(5)
}

fn title(status: StatusCode, lang: Lang) -> &'static str {
    match status.as_u16() {
        400 => lang.pick("リクエストが正しくありません", "Bad request"),
        401 => lang.pick("ログインが必要です", "Login required"),
        403 => lang.pick("許可されていません", "Forbidden"),
        404 => lang.pick("見つかりません", "Not found"),
        405 => lang.pick("この方法は使えません", "Method not allowed"),
        409 => lang.pick("競合があります", "Conflict"),
        413 => lang.pick("リクエストが大きすぎます", "Request too large"),
        415 => lang.pick("形式が正しくありません", "Unsupported media type"),
        422 => lang.pick("入力内容に誤りがあります", "Invalid input"),
        429 => lang.pick("試行回数が多すぎます", "Too many attempts"),
        503 => lang.pick("ただいま利用できません", "Service unavailable"),
        _ => lang.pick("エラー", "Error"),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let lang = Lang::current();
        let (status, code, detail, errors, retry_after) = match self {
            ApiError::Client {
                status,
                code,
                detail,
                errors,
                retry_after,
            } => (status, code, detail, errors, retry_after),
            ApiError::Internal(err) => {
                tracing::error!(error = ?err, "internal error");
                let (ja, en) = CommonError::Internal.texts();
                (
                    CommonError::Internal.status(),
                    CommonError::Internal.code(),
                    Text::new(ja, en),
                    Vec::new(),
                    None,
                )
            }
        };
        let mut body = serde_json::json!({
            "type": "about:blank",
            "status": status.as_u16(),
            "title": title(status, lang),
            "code": code,
            "detail": detail.get(lang),
        });
        if !errors.is_empty() {
            body["errors"] = errors
                .iter()
                .map(|e| serde_json::json!({"field": e.field, "code": e.code, "message": e.message.get(lang)}))
                .collect();
        }
        let mut res = (status, body.to_string()).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        res
    }
}

/// Collects the problems of a request's fields; `finish` turns them into one 422.
#[derive(Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem with a field.
    /// (A catalogued code with a text of the form's own: the code stays discoverable.)
    pub fn add<E: ErrorCode>(&mut self, field: impl Into<String>, code: E, message: Text) {
        let code = code.code();
        self.errors.push(FieldError {
            field: field.into(),
            code,
            message,
        });
    }

    /// Records a catalogued problem with a field; `.with(...)` on the answer fills its text.
    pub fn reject<E: ErrorCode>(&mut self, field: impl Into<String>, code: E) -> &mut FieldError {
        let (ja, en) = code.texts();
        let at = self.errors.len();
        self.add(field, code, Text::new(ja, en));
        &mut self.errors[at]
    }

    /// Records a problem when `ok` is false.
    pub fn check<E: ErrorCode>(&mut self, ok: bool, field: &str, code: E, message: Text) {
        if !ok {
            self.add(field, code, message);
        }
    }

    /// Checks a required text's length in characters.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) {
        let n = value.trim().chars().count();
        if n < min {
            self.reject(field, CommonError::Required);
        } else if n > max {
            self.reject(field, CommonError::TooLong).with("max", max);
        }
    }

    /// Ok when nothing was recorded, else a 422 listing every problem.
    pub fn finish(self) -> ApiResult<()> {
        let Some(first) = self.errors.first() else {
            return Ok(());
        };
        Err(ApiError::Client {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: CommonError::Validation.code(),
            detail: first.message.clone(),
            errors: self.errors,
            retry_after: None,
        })
    }
}

/// A refusal with its own status and code that names the field it concerns; the field's
/// message is `message`, or the code's text.
pub fn on_field<E: ErrorCode>(code: E, field: &str, message: Option<Text>) -> ApiError {
    let (ja, en) = code.texts();
    let detail = Text::new(ja, en);
    ApiError::Client {
        status: code.status(),
        code: code.code(),
        errors: vec![FieldError {
            field: field.into(),
            code: code.code(),
            message: message.unwrap_or_else(|| detail.clone()),
        }],
        detail,
        retry_after: None,
    }
}

/// A search's words and page as the lists take them: `limit` 1 to 200 (default 50) and `q`
/// up to 200 characters, else a 422 naming the field.
pub fn search_page(
    q: Option<String>,
    offset: Option<u32>,
    limit: Option<u32>,
) -> ApiResult<(String, usize, usize)> {
    let limit = limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(invalid_code("limit", CommonError::OutOfRange)
            .with("min", 1)
            .with("max", 200));
    }
    let q = q.unwrap_or_default();
    if q.chars().count() > 200 {
        return Err(invalid_code("q", CommonError::TooLong).with("max", 200));
    }
    Ok((q, offset.unwrap_or(0) as usize, limit as usize))
}

/// A single-field validation error with a catalogued code.
pub fn invalid_code<E: ErrorCode>(field: &str, code: E) -> ApiError {
    let (ja, en) = code.texts();
    invalid(field, code, Text::new(ja, en))
}

/// A single-field validation error.
pub fn invalid<E: ErrorCode>(field: &str, code: E, message: Text) -> ApiError {
    let code = code.code();
    ApiError::Client {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: CommonError::Validation.code(),
        detail: message.clone(),
        errors: vec![FieldError {
            field: field.to_string(),
            code,
            message,
        }],
        retry_after: None,
    }
}

/// JSON body extractor whose rejections are problem+json. It refuses control characters in
/// every string of the body (a 422 naming the field), so that no text field can store them.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<serde_json::Value>::from_request(req, state)
            .await
            .map_err(json_rejection)?;
        if let Some(field) = control_character_in(&value) {
            return Err(control_character(&field));
        }
        serde_path_to_error::deserialize(value).map(Json).map_err(
            |e: serde_path_to_error::Error<serde_json::Error>| {
                let path = e.path().to_string();
                wrong_shape(&path, &e.inner().to_string())
            },
        )
    }
}

/// The 422 for a body of the wrong shape: the field it concerns, and why in the request's
/// language, without the value sent (which may be long, and is the client's own).
fn wrong_shape(path: &str, serde: &str) -> ApiError {
    let named = |s: &str| s.split('`').nth(1).map(str::to_string);
    let join = |name: String| match path {
        "." | "" => name,
        p => format!("{p}.{name}"),
    };
    let here = || match path {
        "." | "" => "body".to_string(),
        p => p.to_string(),
    };
    let expected = serde
        .split_once(", expected ")
        .map(|(_, e)| e.chars().take(80).collect::<String>());
    let (field, ja, en) = if serde.starts_with("missing field") {
        let f = named(serde).map_or_else(here, join);
        (
            f,
            "必須の項目がありません".to_string(),
            "this field is required".to_string(),
        )
    } else if serde.starts_with("unknown field") {
        // The path already ends at the unknown key.
        (
            here(),
            "不明な項目です".to_string(),
            "unknown field".to_string(),
        )
    } else if let Some(expected) = expected {
        (
            here(),
            format!("値の形式が違います(期待: {expected})"),
            format!("wrong kind of value (expected {expected})"),
        )
    } else {
        (
            here(),
            "値が正しくありません".to_string(),
            "the value is not right".to_string(),
        )
    };
    let (ja_t, en_t) = CommonError::InvalidJson.texts();
    let detail = Text::new(
        ja_t.replace("{problem}", &format!("{field}: {ja}")),
        en_t.replace("{problem}", &format!("{field}: {en}")),
    );
    ApiError::Client {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: CommonError::InvalidJson.code(),
        detail: detail.clone(),
        errors: vec![FieldError {
            field,
            code: CommonError::InvalidJson.code(),
            message: detail,
        }],
        retry_after: None,
    }
}

/// Whether a text holds a control character other than tab and line breaks: U+0000 is refused
/// by PostgreSQL (a 500) and stored by SQLite, and none of them belongs in a name or a note.
fn has_control_character(s: &str) -> bool {
    s.bytes()
        .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f)
}

/// The path (`children[0].notes`) of the first string or key of a JSON value that holds a
/// control character.
fn control_character_in(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) => has_control_character(s).then(String::new),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            control_character_in(item).map(|rest| format!("[{i}]{}", dotted(&rest)))
        }),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            if has_control_character(key) {
                return Some(key.escape_default().to_string());
            }
            control_character_in(item).map(|rest| format!("{key}{}", dotted(&rest)))
        }),
        _ => None,
    }
}

/// Joins the rest of a path to the key before it (`a` + `b` is `a.b`, `a` + `[0]` is `a[0]`).
fn dotted(rest: &str) -> String {
    if rest.is_empty() || rest.starts_with('[') {
        rest.to_string()
    } else {
        format!(".{rest}")
    }
}

/// The 422 for a field that holds a control character.
fn control_character(field: &str) -> ApiError {
    invalid_code(field, CommonError::ControlCharacter)
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// The problem for a body that is not JSON at all (the fields are checked after, in [`Json`]).
fn json_rejection(r: JsonRejection) -> ApiError {
    let status = r.status();
    let code = match &r {
        JsonRejection::MissingJsonContentType(_) => CommonError::ContentType,
        JsonRejection::JsonSyntaxError(_) => CommonError::MalformedJson,
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => CommonError::TooLarge,
        _ => CommonError::Unreadable,
    };
    let (ja, en) = code.texts();
    // The rejection knows its status best (a body cut short is 400, a wrong length 413...).
    ApiError::client(status, code.code(), Text::new(ja, en))
}

/// Path extractor whose rejections are problem+json; control characters in a segment are
/// refused like those of a JSON body.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Ok(params) = RawPathParams::from_request_parts(parts, state).await
            && let Some((name, _)) = params.iter().find(|(_, v)| has_control_character(v))
        {
            return Err(control_character(name));
        }
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|r: PathRejection| {
                ApiError::from(CommonError::InvalidPath).with("problem", r.body_text())
            })
    }
}

/// Query-string extractor whose rejections are problem+json; control characters in a
/// parameter are refused like those of a JSON body.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Ok(axum::extract::Query(pairs)) =
            axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            && let Some((name, _)) = pairs
                .iter()
                .find(|(k, v)| has_control_character(k) || has_control_character(v))
        {
            return Err(control_character(&name.escape_default().to_string()));
        }
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|q| Query(q.0))
            .map_err(|r: QueryRejection| {
                ApiError::from(CommonError::InvalidQuery).with("problem", r.body_text())
            })
    }
}

/// Parses a date given as YYYY-MM-DD, within 2000-2100 (so that date arithmetic and the
/// holiday calendar never see a year they cannot handle).
pub fn parse_date(field: &str, s: &str) -> ApiResult<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| invalid_code(field, CommonError::BadDate))
}

/// Parses a local time given as HH:MM.
pub fn parse_time(field: &str, s: &str) -> ApiResult<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| invalid_code(field, CommonError::BadTime))
}

/// Turns a broken database constraint into the client error it means (see
/// [`crate::db::violated_constraint`] for the names); any other failure stays internal.
pub fn on_constraint(err: sqlx::Error, meaning: impl Fn(&str) -> Option<ApiError>) -> ApiError {
    match crate::db::violated_constraint(&err).and_then(|name| meaning(&name)) {
        Some(client) => client,
        None => err.into(),
    }
}

/// The 422 for a value that another record already uses.
pub fn taken(field: &str, ja: &str, en: &str) -> ApiError {
    invalid_code(field, CommonError::Taken).with_text("what", ja, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_by_quality() {
        assert_eq!(Lang::from_accept_language(None), Lang::Ja);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(
            Lang::from_accept_language(Some("fr, en;q=0.5, ja;q=0.8")),
            Lang::Ja
        );
        assert_eq!(
            Lang::from_accept_language(Some("ja;q=0.1, en-GB")),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language(Some("de")), Lang::Ja);
        assert_eq!(Lang::from_accept_language(Some(";;q=x,,")), Lang::Ja);
    }

    #[test]
    fn a_busy_database_is_a_503_even_behind_context() {
        let err = anyhow::Error::from(sqlx::Error::PoolTimedOut).context("loading the site");
        assert_eq!(
            ApiError::from(err).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let other = anyhow::anyhow!("a bug");
        assert_eq!(
            ApiError::from(other).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn control_characters_are_found_with_their_field_path() {
        use serde_json::json;
        let found = |v: serde_json::Value| control_character_in(&v);
        assert_eq!(found(json!({"name": "佐藤\tはると\r\n", "n": 1})), None);
        assert_eq!(found(json!({"name": "a\u{0}b"})).as_deref(), Some("name"));
        assert_eq!(found(json!({"name": "del\u{7f}"})).as_deref(), Some("name"));
        assert_eq!(
            found(json!({"children": [{"notes": "ok"}, {"notes": "bell\u{7}"}]})).as_deref(),
            Some("children[1].notes")
        );
        assert_eq!(found(json!([["x", "\u{1b}"]])).as_deref(), Some("[0][1]"));
        assert_eq!(found(json!({"a\u{0}": 1})).as_deref(), Some("a\\u{0}"));
        assert_eq!(found(json!("\u{1f}")).as_deref(), Some(""));
    }
}
