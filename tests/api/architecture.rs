//! The dependency order of src/ (ARCHITECTURE.md), checked over the source text: an area
//! imports only lower areas and infrastructure, nobody imports another area's `http.rs`, and
//! a store writes only its own area's tables.

use std::collections::BTreeMap;
use std::path::Path;

/// The level of each top module of src/: infrastructure is 0, areas count up from 1, and the
/// composition (`None`) may use everything.
fn level(module: &str) -> Option<u8> {
    Some(match module {
        // `error_codes!` is exported at the crate's root by error.rs.
        "config" | "clock" | "ids" | "error" | "error_codes" | "db" | "events" | "metrics"
        | "mail" => 0,
        "auth" => 1,
        "sites" => 2,
        "people" | "clients" => 3,
        "childcare" => 4,
        "booking" => 5,
        // Training reserves rooms through booking; the kiosk records attendance through it.
        // Attendance (timesheets) reads presence and projects; the kiosk will call it.
        "training" | "attendance" => 6,
        // Pay reads approved months and rates from attendance.
        "kiosk" | "pay" => 7,
        // Live views and operator pages read what the areas below publish.
        // Secure rooms use training's completions and the kiosk's identification.
        "occupancy" | "ops" | "access" => 8,
        // The federation's KPIs read every area's records (and own their orders, costs,
        // targets and viewers).
        "kpi" => 9,
        // lib.rs (App, AppState), main.rs, the router, the jobs loop, the OpenAPI document
        // and the demo data compose the areas.
        _ => return None,
    })
}

/// Which areas may write a table (the first is its owner).
const TABLES: &[(&str, &[&str])] = &[
    ("settings", &["db", "auth"]),
    ("outbox", &["mail"]),
    ("sessions", &["auth"]),
    ("login_links", &["auth"]),
    ("person_invitations", &["people"]),
    ("login_failures", &["auth"]),
    ("auth_throttle", &["auth"]),
    ("kiosk_devices", &["auth"]),
    ("kiosk_credentials", &["auth"]),
    ("ic_cards", &["auth"]),
    // auth owns the password columns of a person's row; people owns the rest.
    ("persons", &["people", "auth"]),
    ("role_grants", &["auth"]),
    ("teams", &["people"]),
    ("municipalities", &["sites"]),
    ("sites", &["sites"]),
    ("site_exceptions", &["sites"]),
    ("spaces", &["sites"]),
    ("client_companies", &["clients"]),
    ("client_projects", &["clients"]),
    ("children", &["childcare"]),
    ("child_guardians", &["childcare"]),
    ("authorised_persons", &["childcare"]),
    ("childcare_settings", &["childcare"]),
    ("caregiver_shifts", &["childcare"]),
    ("caregiver_shift_merge", &["childcare"]),
    ("childcare_bookings", &["childcare"]),
    ("pickup_attempts", &["childcare"]),
    ("naps", &["childcare"]),
    ("nap_checks", &["childcare"]),
    ("child_day_notes", &["childcare"]),
    ("bookings", &["booking"]),
    ("booking_series", &["booking"]),
    ("series_dates", &["booking"]),
    ("assignments", &["attendance"]),
    ("assignment_rates", &["attendance"]),
    ("timesheets", &["attendance"]),
    ("pay_rules", &["pay"]),
    ("pay_withholding", &["pay"]),
    ("pay_invoice_numbers", &["pay"]),
    ("pay_payments", &["pay"]),
    ("pay_terms", &["pay"]),
    ("pay_terms_acks", &["pay"]),
    ("pay_accountants", &["pay"]),
    ("pay_bank_accounts", &["pay"]),
    ("pay_payers", &["pay"]),
    ("pay_runs", &["pay"]),
    ("pay_payment_lines", &["pay"]),
    ("pay_bank_account_changes", &["pay"]),
    ("attendance_versions", &["attendance"]),
    ("kpi_orders", &["kpi"]),
    ("kpi_costs", &["kpi"]),
    ("kpi_targets", &["kpi"]),
    ("kpi_viewers", &["kpi"]),
    ("time_entries", &["attendance"]),
    ("timesheet_changes", &["attendance"]),
    ("calendar_feeds", &["booking"]),
    ("presence_sessions", &["attendance"]),
    ("presence_corrections", &["attendance"]),
    ("scans", &["kiosk"]),
    ("training_courses", &["training"]),
    ("training_programme", &["training"]),
    ("training_settings", &["training"]),
    ("training_sessions", &["training"]),
    ("training_session_rooms", &["training"]),
    ("training_enrolments", &["training"]),
    ("training_marks", &["training"]),
    ("training_completions", &["training"]),
    ("training_reminders", &["training"]),
    ("space_positions", &["occupancy"]),
    ("roll_calls", &["occupancy"]),
    ("roll_call_entries", &["occupancy"]),
    ("utilisation_days", &["occupancy"]),
    ("utilisation_hours", &["occupancy"]),
    ("access_rosters", &["access"]),
    ("access_ndas", &["access"]),
    ("access_requirements", &["access"]),
    ("access_rooms", &["access"]),
    ("access_room_projects", &["access"]),
    ("access_doors", &["access"]),
    ("access_occupants", &["access"]),
    ("access_audit", &["access"]),
    ("access_chain", &["access"]),
    ("access_reviews", &["access"]),
    ("access_reminders", &["access"]),
];

/// The top module a file of src/ belongs to: `booking/http.rs` is `booking`, `clients.rs` is
/// `clients`.
fn module_of(file: &str) -> &str {
    let first = file.split('/').next().unwrap_or(file);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// The code of a file without its `#[cfg(test)]` module and its comments.
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or(text);
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `crate::a::b` paths a file names, as (top module, rest), `use crate::{a, b::c}` groups
/// included.
fn crate_paths(code: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|(_, c)| {
                    depth += match c {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(group.len(), |(i, _)| i);
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in group[..end].char_indices().chain([(end, ',')]) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(split_path(group[start..i].trim()));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            out.push(split_path(&rest[..end]));
        }
    }
    out.retain(|(top, _)| !top.is_empty());
    out
}

fn split_path(path: &str) -> (String, String) {
    match path.split_once("::") {
        Some((top, rest)) => (top.to_string(), rest.to_string()),
        None => (path.to_string(), String::new()),
    }
}

/// The tables a file's SQL writes.
fn written_tables(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for verb in ["INSERT INTO ", "UPDATE ", "DELETE FROM "] {
        for (i, _) in code.match_indices(verb) {
            let name: String = code[i + verb.len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            // `ON CONFLICT ... DO UPDATE SET` names no table.
            if !name.is_empty() && name != "set" {
                out.push(name);
            }
        }
    }
    out
}

/// Every breach of the order in a set of source files (path under src/ -> text).
fn breaches(files: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for (file, text) in files {
        let module = module_of(file);
        let code = code_of(text);
        let mine = level(module);
        for (top, rest) in crate_paths(&code) {
            if top == module || top == "AppState" {
                continue;
            }
            let Some(theirs) = level(&top) else {
                if mine.is_some() {
                    out.push(format!(
                        "{file}: an area uses the composition: crate::{top}"
                    ));
                }
                continue;
            };
            // Infrastructure may use infrastructure; areas of one level stay independent.
            if let Some(mine) = mine
                && (theirs > mine || (theirs == mine && mine > 0))
            {
                out.push(format!(
                    "{file}: {module} (level {mine}) imports {top} (level {theirs}): crate::{top}::{rest}"
                ));
            }
            if theirs > 0 && mine.is_some() && (rest == "http" || rest.starts_with("http::")) {
                out.push(format!(
                    "{file}: imports another area's handlers: crate::{top}::{rest}"
                ));
            }
        }
        if mine.is_none() {
            continue;
        }
        for table in written_tables(&code) {
            match TABLES.iter().find(|(t, _)| *t == table) {
                Some((_, writers)) if writers.contains(&module) => {}
                Some((_, writers)) => out.push(format!(
                    "{file}: writes {table}, which belongs to {}",
                    writers[0]
                )),
                None => out.push(format!(
                    "{file}: writes {table}, a table with no owner here"
                )),
            }
        }
    }
    out
}

fn source_tree() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let name = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(name, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

#[test]
fn the_source_obeys_the_dependency_order() {
    let found = breaches(&source_tree());
    assert!(
        found.is_empty(),
        "ARCHITECTURE.md's order is broken:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_a_reverse_import_a_foreign_handler_and_a_foreign_write() {
    let files: BTreeMap<String, String> = [
        (
            "sites/mod.rs",
            "use crate::booking::Booking;\nuse crate::{auth::Role, error};",
        ),
        (
            "kiosk/mod.rs",
            "fn f() { crate::childcare::http::drop_off(); }",
        ),
        (
            "booking/store.rs",
            "const Q: &str = \"UPDATE childcare_bookings SET x = 1\";",
        ),
        (
            "mail/mod.rs",
            "use crate::{db::Db, booking::{self, Booking}};",
        ),
        ("web.rs", "use crate::booking::http;"),
        (
            "childcare/mod.rs",
            "// use crate::kiosk::Scan;\n#[cfg(test)]\nuse crate::kiosk::x;",
        ),
    ]
    .into_iter()
    .map(|(f, t)| (f.to_string(), t.to_string()))
    .collect();
    let found = breaches(&files);
    let has = |needle: &str| found.iter().any(|b| b.contains(needle));
    assert!(
        has("sites/mod.rs: sites (level 2) imports booking"),
        "{found:?}"
    );
    assert!(
        has("kiosk/mod.rs: imports another area's handlers"),
        "{found:?}"
    );
    assert!(
        has("booking/store.rs: writes childcare_bookings"),
        "{found:?}"
    );
    assert!(
        has("mail/mod.rs: mail (level 0) imports booking"),
        "{found:?}"
    );
    assert_eq!(found.len(), 4, "only those four: {found:?}");
}

/// The OpenAPI schema names of the source: each type deriving `ToSchema`, under its
/// `#[schema(as = ...)]` name when it has one, with the files that declare it.
fn schema_names(files: &BTreeMap<String, String>) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (file, text) in files {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start();
            if !(t.starts_with("#[derive(") && t.contains("ToSchema")) {
                continue;
            }
            let mut alias = None;
            for next in &lines[i + 1..] {
                let n = next.trim_start();
                if let Some(rest) = n.strip_prefix("#[schema(as = ") {
                    alias = rest.split(')').next().map(str::to_string);
                }
                let decl = n
                    .strip_prefix("pub struct ")
                    .or_else(|| n.strip_prefix("pub enum "))
                    .or_else(|| n.strip_prefix("struct "))
                    .or_else(|| n.strip_prefix("enum "));
                if let Some(decl) = decl {
                    let name: String = decl
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    out.entry(alias.unwrap_or(name))
                        .or_default()
                        .push(file.clone());
                    break;
                }
            }
        }
    }
    out
}

/// utoipa keys schemas by name: two types of one name leave one of them described with the
/// other's fields (the roll call's marks were documented with training's body).
#[test]
fn every_schema_name_is_declared_once() {
    let twice: Vec<String> = schema_names(&source_tree())
        .into_iter()
        .filter(|(_, files)| files.len() > 1)
        .map(|(name, files)| format!("{name}: {}", files.join(", ")))
        .collect();
    assert!(twice.is_empty(), "schema names declared twice: {twice:#?}");
}

#[test]
fn the_schema_check_sees_a_name_twice_and_an_alias() {
    let files: BTreeMap<String, String> = [
        ("a.rs", "#[derive(Serialize, ToSchema)]\npub struct Step {}"),
        ("b.rs", "#[derive(ToSchema)]\n/// doc\npub struct Step {}"),
        (
            "c.rs",
            "#[derive(ToSchema)]\n#[schema(as = FunnelStep)]\npub struct Step {}",
        ),
    ]
    .into_iter()
    .map(|(f, t)| (f.to_string(), t.to_string()))
    .collect();
    let names = schema_names(&files);
    assert_eq!(names["Step"], vec!["a.rs", "b.rs"]);
    assert_eq!(names["FunnelStep"], vec!["c.rs"]);
}
