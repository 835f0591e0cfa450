//! The OpenAPI document: its title, tags and security schemes, and the error answers
//! (problem+json) of every operation, derived from what each operation takes.

use crate::error::{CodeInfo, CommonError, catalogue_of};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::Response;
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Content, HttpMethod, OpenApi, Ref, RefOr};
use utoipa::{Modify, ToSchema};

#[derive(utoipa::OpenApi)]
#[openapi(
    modifiers(&SecuritySchemes),
    security(("session" = [])),
    components(schemas(Problem)),
    info(
        title = "KADO telework center API",
        description = "Sites, spaces, accounts and roles, kiosk devices. Errors are application/problem+json (the `Problem` schema) with a stable `code`; human text follows Accept-Language (ja, en). Log in with POST /api/v1/auth/login; the session is an HttpOnly cookie. Kiosk endpoints take `Authorization: Bearer <device token>`."
    ),
    tags(
        (name = "auth", description = "Log in and out"),
        (name = "sites", description = "Municipalities, sites, opening calendars"),
        (name = "spaces", description = "Desks and rooms"),
        (name = "people", description = "Accounts, roles, teams"),
        (name = "clients", description = "Client companies and projects"),
        (name = "bookings", description = "Desk and room bookings, recurring series, calendar feed"),
        (name = "mail", description = "The outbox of e-mail"),
        (name = "childcare", description = "Children, caregiver shifts, ratio-based places, hand-over"),
        (name = "training", description = "Courses, sessions, enrolment, attendance, completion"),
        (name = "kiosk devices", description = "Registering and revoking entrance kiosks"),
        (name = "attendance", description = "A worker's month: time at the center and remote hours, approval"),
        (name = "pay", description = "Paying approved months: payment rules, statements, payments of a month"),
        (name = "kiosk", description = "The kiosk's own API (device token)"),
        (name = "kpi", description = "The federation's KPIs per municipality and fiscal year, the funnel, orders, costs, targets"),
        (name = "access", description = "Secure client rooms: rosters, NDAs, door readers, the audit trail")
    )
)]
pub struct ApiDoc;

/// The two ways to authenticate: a person's session cookie (the default for every
/// operation) and a kiosk's bearer token (the kiosk operations).
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "Set by POST /api/v1/auth/login (HttpOnly).",
            ))),
        );
        components.add_security_scheme(
            "kiosk_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The device token a kiosk gets from POST /api/v1/kiosk/pair.",
                    ))
                    .build(),
            ),
        );
    }
}

/// An error answer (RFC 9457 problem details), sent as `application/problem+json`.
#[derive(serde::Serialize, ToSchema)]
#[allow(dead_code)] // describes the body error.rs writes; never built here
struct Problem {
    /// Always `about:blank`: `code` tells the kinds of error apart.
    #[serde(rename = "type")]
    kind: String,
    /// The HTTP status code.
    status: u16,
    /// The status in words, in the request's language.
    title: String,
    /// A stable machine-readable code, e.g. `validation`, `auth.required`, `booking.overlap`.
    code: String,
    /// What went wrong, in the request's language (Accept-Language: ja or en).
    detail: String,
    /// For `validation`: each field's problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<FieldProblem>>,
}

/// One field's problem in a `validation` answer.
#[derive(serde::Serialize, ToSchema)]
#[allow(dead_code)] // see Problem
struct FieldProblem {
    /// The field, e.g. `email`, `date` or `children[0].notes`.
    field: String,
    /// A stable code, e.g. `validation.required`.
    code: String,
    /// The message for that field, in the request's language.
    message: String,
}

/// Reads an operation (authenticated GET) that answers every logged-in caller or device (its
/// own records, or a site directory anyone may read) or hides what is not theirs behind a
/// 404: these never answer 403.
const OPEN_TO_EVERY_CALLER: &[&str] = &[
    "/api/v1/auth/me",
    "/api/v1/kiosk/me",
    "/api/v1/bookings",
    "/api/v1/bookings/{id}",
    "/api/v1/children",
    "/api/v1/children/{id}",
    "/api/v1/children/{id}/authorised",
    "/api/v1/childcare/bookings",
    "/api/v1/me/qr",
    "/api/v1/municipalities",
    "/api/v1/sites",
    "/api/v1/sites/{id}",
    "/api/v1/sites/{id}/calendar",
    "/api/v1/sites/{id}/exceptions",
];

/// Answers beyond the general rules of `error_answers`: states that refuse a change (409),
/// attempt throttles (429), records named in the body (404), and a path date checked like a
/// field (422).
const SPECIFIC: &[(HttpMethod, &str, &[u16])] = &[
    (HttpMethod::Post, "/api/v1/auth/login", &[429]),
    (HttpMethod::Post, "/api/v1/kiosk/pair", &[429]),
    (HttpMethod::Post, "/api/v1/kiosk/scan", &[409, 429]),
    (HttpMethod::Post, "/api/v1/bookings", &[404, 409]),
    (HttpMethod::Patch, "/api/v1/bookings/{id}", &[409]),
    (HttpMethod::Post, "/api/v1/bookings/{id}/cancel", &[409]),
    (HttpMethod::Post, "/api/v1/bookings/{id}/check-in", &[409]),
    (HttpMethod::Post, "/api/v1/booking-series", &[404, 409]),
    (HttpMethod::Delete, "/api/v1/me/calendar-feed", &[404]),
    (HttpMethod::Post, "/api/v1/childcare/bookings", &[404, 409]),
    (
        HttpMethod::Post,
        "/api/v1/childcare/bookings/{id}/cancel",
        &[409],
    ),
    (
        HttpMethod::Post,
        "/api/v1/childcare/bookings/{id}/drop-off",
        &[409],
    ),
    (
        HttpMethod::Post,
        "/api/v1/childcare/bookings/{id}/pick-up",
        &[409],
    ),
    (
        HttpMethod::Post,
        "/api/v1/sites/{id}/caregiver-shifts",
        &[409],
    ),
    (HttpMethod::Patch, "/api/v1/caregiver-shifts/{id}", &[409]),
    (HttpMethod::Delete, "/api/v1/caregiver-shifts/{id}", &[409]),
    (HttpMethod::Patch, "/api/v1/spaces/{id}", &[409]),
    (HttpMethod::Post, "/api/v1/outbox/{id}/retry", &[409]),
    (
        HttpMethod::Delete,
        "/api/v1/sites/{id}/exceptions/{date}",
        &[422],
    ),
];

/// Operations that never touch the database, so never answer 503.
const WITHOUT_DATABASE: &[&str] = &["/api/v1/time"];

/// Swagger UI at /api/docs (its files are in the binary) on the document at
/// /api/openapi.json, with "Try it out" open and without the public validator badge, which
/// would send the document's address to a third party.
pub fn swagger_ui(doc: OpenApi) -> utoipa_swagger_ui::SwaggerUi {
    utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", doc)
        .config(
            utoipa_swagger_ui::Config::default()
                .validator_url("none")
                .try_it_out_enabled(true),
        )
}

/// Every error code the service answers with, area by area: the `code` enum of the
/// `Problem` schema. An area's enum is listed here once it declares its codes.
pub fn catalogue() -> Vec<CodeInfo> {
    let mut all: Vec<CodeInfo> = catalogue_of::<CommonError>().collect();
    all.extend(catalogue_of::<crate::kiosk::errors::KioskError>());
    all.extend(catalogue_of::<crate::auth::devices::DeviceError>());
    all.extend(catalogue_of::<crate::booking::BookingError>());
    all.extend(catalogue_of::<crate::access::AccessError>());
    all.extend(catalogue_of::<crate::ops::OpsError>());
    all.extend(catalogue_of::<crate::attendance::errors::AttendanceError>());
    all.extend(catalogue_of::<crate::pay::errors::PayError>());
    all.extend(catalogue_of::<crate::kpi::errors::KpiError>());
    all.extend(catalogue_of::<crate::auth::AuthError>());
    all.extend(catalogue_of::<crate::sites::SitesError>());
    all.extend(catalogue_of::<crate::people::PeopleError>());
    all.extend(catalogue_of::<crate::clients::ClientsError>());
    all.extend(catalogue_of::<crate::childcare::errors::ChildcareError>());
    all.extend(catalogue_of::<crate::training::errors::TrainingError>());
    all.extend(catalogue_of::<crate::occupancy::OccupancyError>());
    all.sort_by_key(|c| c.code);
    all
}

/// Makes the `code` of `Problem` and of its field problems the enum of [`catalogue`], each
/// code listed with its status and English text in the description.
pub fn add_code_catalogue(doc: &mut OpenApi) {
    use utoipa::openapi::schema::{Object, Schema, SchemaType, Type};
    let codes = catalogue();
    let mut described =
        String::from("The stable error codes, with their status and English text:\n");
    for c in &codes {
        described.push_str(&format!(
            "\n- `{}` ({}): {}",
            c.code,
            c.status.as_u16(),
            c.en
        ));
    }
    let mut code = Object::with_type(SchemaType::new(Type::String));
    code.enum_values = Some(codes.iter().map(|c| c.code.into()).collect());
    code.description = Some(described);
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    components
        .schemas
        .insert("ErrorCode".into(), RefOr::T(Schema::Object(code)));
    for name in ["Problem", "FieldProblem"] {
        if let Some(RefOr::T(Schema::Object(o))) = components.schemas.get_mut(name) {
            o.properties.insert(
                "code".into(),
                RefOr::Ref(Ref::from_schema_name("ErrorCode")),
            );
        }
    }
}

/// Adds to every operation the error answers it can give, as problem+json with the `Problem`
/// schema, keeping the description of those it already lists. Runs on the finished
/// document: the areas' routers add their operations after `ApiDoc::openapi()`.
pub fn add_error_answers(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops = [
            (HttpMethod::Get, &mut item.get),
            (HttpMethod::Put, &mut item.put),
            (HttpMethod::Post, &mut item.post),
            (HttpMethod::Delete, &mut item.delete),
            (HttpMethod::Patch, &mut item.patch),
        ];
        for (method, op) in ops {
            if let Some(op) = op {
                // Every error the service sends is a problem, also those a handler lists.
                let listed: Vec<u16> = op
                    .responses
                    .responses
                    .keys()
                    .filter_map(|s| s.parse().ok())
                    .filter(|s| *s >= 400)
                    .collect();
                for status in listed.into_iter().chain(error_answers(&method, path, op)) {
                    add_problem(op, status);
                }
            }
        }
    }
}

/// The error statuses an operation can answer, from what it takes and how it is secured.
fn error_answers(method: &HttpMethod, path: &str, op: &Operation) -> Vec<u16> {
    let has = |place: ParameterIn| {
        op.parameters
            .iter()
            .flatten()
            .any(|p| p.parameter_in == place)
    };
    let (in_path, in_query) = (has(ParameterIn::Path), has(ParameterIn::Query));
    let json_body = op
        .request_body
        .as_ref()
        .is_some_and(|b| b.content.contains_key("application/json"));
    // `security(())` (an empty requirement) marks an operation that needs no credentials.
    let public = op
        .security
        .as_ref()
        .is_some_and(|s| s.contains(&SecurityRequirement::default()));
    // Every state change may be refused as cross-site (403), whoever sends it.
    let changes = *method != HttpMethod::Get;
    let mut statuses = Vec::new();
    if in_path || in_query || json_body {
        statuses.push(400);
    }
    if !public {
        statuses.push(401);
    }
    if changes || (!public && !OPEN_TO_EVERY_CALLER.contains(&path)) {
        statuses.push(403);
    }
    if in_path {
        statuses.push(404);
    }
    if json_body {
        statuses.extend([413, 415]);
    }
    // Any text the request carries (body, query or path) is refused with 422 when it holds
    // control characters (`error::Json`, `Query`, `Path`).
    if json_body || in_query || in_path {
        statuses.push(422);
    }
    if !WITHOUT_DATABASE.contains(&path) {
        statuses.push(503);
    }
    for (m, p, extra) in SPECIFIC {
        if m == method && *p == path {
            statuses.extend_from_slice(extra);
        }
    }
    statuses.sort_unstable();
    statuses.dedup();
    statuses
}

/// Lists `status` on the operation as a problem+json answer (keeping a description written
/// on the handler).
fn add_problem(op: &mut Operation, status: u16) {
    let entry = op
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| RefOr::T(Response::new(describe(status))));
    let RefOr::T(response) = entry else { return };
    if response.description.is_empty() {
        response.description = describe(status).to_string();
    }
    response
        .content
        .entry("application/problem+json".to_string())
        .or_insert_with(|| Content::new(Some(Ref::from_schema_name("Problem"))));
    if matches!(status, 429 | 503) {
        response
            .headers
            .entry("Retry-After".to_string())
            .or_insert_with(|| {
                utoipa::openapi::header::HeaderBuilder::new()
                    .schema(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::Type::Integer),
                    )
                    .description(Some("Seconds to wait before sending again."))
                    .build()
            });
    }
}

fn describe(status: u16) -> &'static str {
    match status {
        400 => {
            "The path, query string or JSON body cannot be read (`request.invalid_path`, `request.invalid_query`, `request.malformed_json`)."
        }
        401 => "No valid session (`auth.required`) or kiosk device token (`kiosk.unpaired`).",
        403 => {
            "Not allowed for this person (`auth.forbidden`), or a state change sent from another site."
        }
        404 => "No such record, or one the caller may not see (`not_found`).",
        409 => "Refused by the current state of the records; `code` says why.",
        413 => "The body is larger than the service accepts (`request.too_large`).",
        415 => "The body is not sent as `Content-Type: application/json` (`request.content_type`).",
        422 => {
            "Invalid fields (`validation`, with `errors` naming each field) or JSON of the wrong shape (`request.invalid_json`)."
        }
        429 => "Too many attempts (`Retry-After` says when to try again).",
        503 => {
            "The database is busy or unreachable: nothing was written; send again after `Retry-After` seconds."
        }
        _ => "Error.",
    }
}

#[cfg(test)]
mod tests {
    use super::catalogue;
    use std::collections::BTreeSet;

    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect()
    }

    fn is_japanese(c: char) -> bool {
        matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}')
    }

    #[test]
    fn every_code_has_its_texts_in_both_languages() {
        let all = catalogue();
        let mut seen = BTreeSet::new();
        for c in &all {
            assert!(seen.insert(c.code), "{} is declared twice", c.code);
            assert!(
                !c.code.is_empty()
                    && c.code
                        .chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch == '_' || ch == '.'),
                "{} is not a code of lowercase words and dots",
                c.code
            );
            assert!(
                c.ja.chars().any(is_japanese),
                "{}: the ja text is not Japanese: {:?}",
                c.code,
                c.ja
            );
            assert!(
                !c.en.trim().is_empty() && !c.en.chars().any(is_japanese),
                "{}: the en text is not English: {:?}",
                c.code,
                c.en
            );
            assert_eq!(
                placeholders(c.ja),
                placeholders(c.en),
                "{}: the texts fill different values",
                c.code
            );
            assert!(
                c.status.is_client_error() || c.status.is_server_error(),
                "{}: {} is no error",
                c.code,
                c.status
            );
        }
    }
}
