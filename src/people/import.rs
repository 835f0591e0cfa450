//! Importing workers from a spreadsheet, as municipalities keep them: CSV (UTF-8 with or
//! without a BOM, or Shift_JIS/CP932) or XLSX, with Japanese or English headers. A dry run
//! answers each row's outcome before anything is written; the import itself is all or
//! nothing, in one transaction.

use super::{PeopleError, Person, invite, persons, store};
use crate::AppState;
use crate::auth::{self, Principal, Role};
use crate::error::{ApiError, ApiResult, CommonError, ErrorCode, FieldError, Lang, Validator};
use crate::ids::{PersonId, SiteId};
use crate::sites;
use axum::http::StatusCode;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// The largest file imported, in bytes.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The most data rows one file may hold.
pub const MAX_ROWS: usize = 5000;

/// A column the import understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    MemberNumber,
    Name,
    Kana,
    Email,
    Phone,
    Municipality,
    Team,
    Language,
    Site,
    Role,
}

impl Column {
    const ALL: [Column; 10] = [
        Column::MemberNumber,
        Column::Name,
        Column::Kana,
        Column::Email,
        Column::Phone,
        Column::Municipality,
        Column::Team,
        Column::Language,
        Column::Site,
        Column::Role,
    ];

    /// The person's field the column fills (the name errors are reported under).
    pub fn field(self) -> &'static str {
        match self {
            Column::MemberNumber => "member_number",
            Column::Name => "name",
            Column::Kana => "name_kana",
            Column::Email => "email",
            Column::Phone => "phone",
            Column::Municipality => "home_municipality",
            Column::Team => "team",
            Column::Language => "language",
            Column::Site => "site",
            Column::Role => "role",
        }
    }

    /// The headers this column goes by, compared after [`header_key`].
    fn names(self) -> &'static [&'static str] {
        match self {
            Column::MemberNumber => &[
                "membernumber",
                "memberno",
                "member",
                "会員番号",
                "会員no",
                "番号",
                "ワーカー番号",
                "登録番号",
            ],
            Column::Name => &["name", "fullname", "氏名", "名前", "お名前"],
            Column::Kana => &[
                "kana",
                "namekana",
                "furigana",
                "フリガナ",
                "ふりがな",
                "カナ",
                "氏名フリガナ",
                "氏名カナ",
                "よみがな",
            ],
            Column::Email => &[
                "email",
                "mail",
                "emailaddress",
                "メール",
                "メールアドレス",
                "eメール",
                "eメールアドレス",
            ],
            Column::Phone => &["phone", "tel", "telephone", "電話", "電話番号", "携帯電話"],
            Column::Municipality => &[
                "municipality",
                "homemunicipality",
                "city",
                "自治体",
                "市町村",
                "居住自治体",
                "居住地",
            ],
            Column::Team => &["team", "チーム", "班"],
            Column::Language => &["language", "lang", "言語"],
            Column::Site => &["site", "拠点", "センター"],
            Column::Role => &["role", "役割", "ロール", "権限", "区分"],
        }
    }

    fn from_header(h: &str) -> Option<Column> {
        let key = header_key(h);
        Column::ALL
            .into_iter()
            .find(|c| c.names().iter().any(|n| *n == key))
    }
}

/// A header as compared: half-width, lower case, without spaces and separators.
fn header_key(h: &str) -> String {
    half_width(h)
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace() && !"_-・.()（）".contains(*c))
        .collect()
}

/// Full-width ASCII (ＡＢＣ１２３＠) as half-width, and the ideographic space as a space.
pub fn half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// A member number as typed in any width, with the dashes Japanese input methods make.
pub fn member_number(s: &str) -> String {
    half_width(s)
        .trim()
        .chars()
        .map(|c| match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' | '\u{FF70}' => '-',
            c => c,
        })
        .collect()
}

/// The file's text: UTF-8 (a BOM is dropped), else Shift_JIS (CP932, as Excel writes it in
/// Japan).
pub fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest).into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::SHIFT_JIS
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// The records of a CSV text (RFC 4180: quoted fields may hold the separator, quotes and
/// line breaks; CRLF or LF) that are not blank, each with its number as a spreadsheet shows
/// it (the first record is row 1). A tab separates when the first line has tabs and no
/// commas. Memory stays bounded by the file, not by its shape: blank records are not kept,
/// at most [`MAX_COLUMNS`] fields of a record are, and reading stops past the row limit.
/// Err: the row where an unclosed quote starts.
pub fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, usize> {
    let first = text.lines().next().unwrap_or_default();
    let sep = if first.contains('\t') && !first.contains(',') {
        '\t'
    } else {
        ','
    };
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut row = 1;
    let mut quoted = false;
    let mut quote_started_at = 0;
    let mut touched = false;
    let end_field = |record: &mut Vec<String>, field: &mut String| {
        let f = std::mem::take(field);
        if record.len() < MAX_COLUMNS {
            record.push(f);
        }
    };
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\r' if chars.peek() == Some(&'\n') => {}
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                quoted = true;
                quote_started_at = row;
                touched = true;
            }
            c if c == sep => {
                end_field(&mut record, &mut field);
                touched = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                end_field(&mut record, &mut field);
                if record.iter().any(|f| !f.trim().is_empty()) {
                    records.push((row, std::mem::take(&mut record)));
                    // The header and one row past the limit are enough to refuse the file.
                    if records.len() > MAX_ROWS + 1 {
                        return Ok(records);
                    }
                }
                record.clear();
                row += 1;
                touched = false;
            }
            c => {
                field.push(c);
                touched = true;
            }
        }
    }
    if quoted {
        return Err(quote_started_at);
    }
    if touched || !field.is_empty() {
        end_field(&mut record, &mut field);
        if record.iter().any(|f| !f.trim().is_empty()) {
            records.push((row, record));
        }
    }
    Ok(records)
}

/// Most bytes an XLSX file may unpack to (its parts together): a sheet of 5,000 people is a
/// few megabytes; a zip bomb is refused before anything is kept in memory.
const MAX_UNPACKED: u64 = 40 * 1024 * 1024;
/// Most distinct strings an XLSX file may declare (the reader reserves room for them first).
const MAX_SHARED_STRINGS: u64 = 400_000;
/// Columns read per row (a person has a dozen; the rest is ignored).
const MAX_COLUMNS: usize = 64;

/// Why a file is refused before its rows are read.
enum Refused {
    TooLarge,
    Unreadable,
}

/// Unpacks every part of an XLSX file once, counting, and stops past [`MAX_UNPACKED`]
/// whatever the parts claim; checks the declared count of shared strings.
fn check_xlsx(bytes: &[u8]) -> Result<(), Refused> {
    use std::io::Read;
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| Refused::Unreadable)?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|_| Refused::Unreadable)?;
        let shared = part.name().is_ok_and(|n| n == "xl/sharedStrings.xml");
        let mut head = Vec::new();
        if shared {
            (&mut part)
                .take(4096)
                .read_to_end(&mut head)
                .map_err(|_| Refused::Unreadable)?;
            let text = String::from_utf8_lossy(&head);
            let declared = text
                .split("uniqueCount=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .and_then(|n| n.parse::<u64>().ok());
            if declared.is_some_and(|n| n > MAX_SHARED_STRINGS) {
                return Err(Refused::TooLarge);
            }
        }
        let left = MAX_UNPACKED + 1 - total.min(MAX_UNPACKED);
        let rest = std::io::copy(&mut (&mut part).take(left), &mut std::io::sink())
            .map_err(|_| Refused::Unreadable)?;
        total += head.len() as u64 + rest;
        if total > MAX_UNPACKED {
            return Err(Refused::TooLarge);
        }
    }
    Ok(())
}

/// The rows of an XLSX file's first sheet, numbered as the spreadsheet shows them, read
/// cell by cell (a sheet's bounding box is never allocated: one cell in A1 and one in
/// XFD1048576 would ask for billions).
fn read_xlsx(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, Refused> {
    use calamine::{DataRef, Reader};
    check_xlsx(bytes)?;
    let mut book =
        calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|_| Refused::Unreadable)?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(Refused::Unreadable)?;
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(|_| Refused::Unreadable)?;
    let mut rows: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    while let Some(cell) = cells.next_cell().map_err(|_| Refused::Unreadable)? {
        let (r, c) = cell.get_position();
        let (r, c) = (r as usize, c as usize);
        let text = match cell.get_value() {
            DataRef::Int(i) => i.to_string(),
            // Member numbers typed as numbers come back as floats.
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            DataRef::Float(f) => f.to_string(),
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
            DataRef::SharedString(s) => s.to_string(),
            DataRef::Bool(b) => b.to_string(),
            DataRef::DateTime(d) => d.as_f64().to_string(),
            DataRef::Error(_) | DataRef::Empty => String::new(),
        };
        if text.is_empty() {
            continue;
        }
        // Blank rows between are allowed; a row far past the limit is a file too large.
        if r > 2 * MAX_ROWS + 1 {
            return Err(Refused::TooLarge);
        }
        if c >= MAX_COLUMNS {
            continue;
        }
        let row = rows.entry(r + 1).or_default();
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        row[c] = text;
    }
    Ok(rows.into_iter().collect())
}

/// A file read into its columns and rows.
#[derive(Debug)]
pub struct Sheet {
    /// Each understood column, the index of its cells, and its header as the file writes it.
    pub columns: Vec<(Column, usize, String)>,
    /// Headers the import does not use.
    pub ignored: Vec<String>,
    /// The data rows that are not blank, with their row numbers.
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Sheet {
    fn cell(&self, cells: &[String], col: Column) -> Option<String> {
        self.columns
            .iter()
            .find(|(c, _, _)| *c == col)
            .and_then(|(_, i, _)| cells.get(*i))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    fn header(&self, field: &str) -> Option<String> {
        self.columns
            .iter()
            .find(|(c, _, _)| c.field() == field)
            .map(|(_, _, h)| h.clone())
    }
}

/// Reads a CSV or XLSX file (told apart by its first bytes) into a sheet; refuses a file
/// that is too large, has too many rows, or lacks a needed column.
pub fn read(bytes: &[u8]) -> ApiResult<Sheet> {
    if bytes.len() > MAX_BYTES {
        return Err(too_large());
    }
    let records = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes).map_err(|r| match r {
            Refused::TooLarge => too_large(),
            Refused::Unreadable => ApiError::from(PeopleError::ImportUnreadable),
        })?
    } else {
        parse_csv(&decode_text(bytes))
            .map_err(|row| ApiError::from(PeopleError::ImportUnclosedQuote).with("row", row))?
    };
    let mut records = records
        .into_iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    let Some((_, headers)) = records.next() else {
        return Err(PeopleError::ImportEmpty.into());
    };
    let rows: Vec<_> = records.collect();
    if rows.len() > MAX_ROWS {
        return Err(ApiError::from(PeopleError::ImportTooManyRows).with("limit", MAX_ROWS));
    }
    let mut columns: Vec<(Column, usize, String)> = Vec::new();
    let mut ignored = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        match Column::from_header(h) {
            Some(c) if columns.iter().any(|(d, _, _)| *d == c) => {
                return Err(ApiError::from(PeopleError::ImportDuplicateColumn).with("column", h));
            }
            Some(c) => columns.push((c, i, h.to_string())),
            None if h.is_empty() => {}
            None => ignored.push(h.to_string()),
        }
    }
    for (needed, ja, en) in [
        (Column::MemberNumber, "会員番号", "member number"),
        (Column::Name, "氏名", "name"),
        (Column::Email, "メールアドレス", "e-mail"),
    ] {
        if !columns.iter().any(|(c, _, _)| *c == needed) {
            return Err(
                ApiError::from(PeopleError::ImportMissingColumn).with_text("column", ja, en)
            );
        }
    }
    if rows.is_empty() {
        return Err(PeopleError::ImportEmpty.into());
    }
    Ok(Sheet {
        columns,
        ignored,
        rows,
    })
}

/// 413 with the limit.
pub fn too_large() -> ApiError {
    ApiError::from(PeopleError::ImportTooLarge).with("limit", MAX_BYTES / (1024 * 1024))
}

/// What importing a row does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A new person (with the row's role on the site, worker by default).
    New,
    /// An existing person (same member number) whose details or roles change.
    Update,
    /// An existing person the row changes nothing for.
    Unchanged,
    /// Not imported: see the errors.
    Error,
}

/// One problem with a row.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RowError {
    /// The person's field (member_number, name, name_kana, email, phone, home_municipality,
    /// team, language, site, role).
    pub field: String,
    /// The column's header as the file writes it (absent when the file has no such column).
    pub column: Option<String>,
    pub code: String,
    /// The reason, in the request's language.
    pub message: String,
}

/// One row's result.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RowResult {
    /// The row number as the spreadsheet shows it (the header is row 1).
    pub row: usize,
    pub outcome: Outcome,
    pub member_number: String,
    pub name: String,
    pub email: String,
    /// The role the row gives on the site (the `role` column; worker when absent).
    pub role: Role,
    /// The existing person (updates), or the new one once imported.
    pub person_id: Option<PersonId>,
    pub errors: Vec<RowError>,
}

/// The result of a dry run or an import.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Whether the rows were written (never when one has an error).
    pub imported: bool,
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: usize,
    /// Invitations put in the outbox.
    pub invited: usize,
    /// Headers that were not used.
    pub ignored_columns: Vec<String>,
    pub rows: Vec<RowResult>,
}

/// How to import.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Only answer what would happen.
    pub dry_run: bool,
    /// Mail each new person an invitation to set their password.
    pub invite: bool,
}

struct Draft {
    result: RowResult,
    person: Person,
    /// The role the row grants on the site, when the person does not hold it yet.
    grant: Option<Role>,
}

/// Lookups the rows are checked against, read once per file.
struct Known {
    by_number: HashMap<String, Person>,
    by_email: HashMap<String, PersonId>,
    municipalities: Vec<sites::Municipality>,
    teams: Vec<super::Team>,
    site: sites::Site,
}

fn blank() -> Person {
    Person {
        id: PersonId(0),
        member_number: None,
        email: String::new(),
        name: String::new(),
        name_kana: String::new(),
        phone: String::new(),
        home_municipality_id: None,
        language: Lang::Ja,
        team_id: None,
        is_admin: false,
        active: true,
        roles: Vec::new(),
    }
}

fn language(s: &str) -> Option<Lang> {
    match header_key(s).as_str() {
        "ja" | "jp" | "japanese" | "日本語" => Some(Lang::Ja),
        "en" | "english" | "英語" => Some(Lang::En),
        _ => None,
    }
}

/// The role a cell names, in Japanese or English, as the console offers them. Err(true): a
/// role that exists but is not given by a file (director, administrator); Err(false): no
/// such role.
pub fn import_role(s: &str) -> Result<Role, bool> {
    match header_key(s).as_str() {
        "worker" | "ワーカー" => Ok(Role::Worker),
        "trainer" | "トレーナー" | "講師" => Ok(Role::Trainer),
        "caregiver" | "保育士" | "保育" => Ok(Role::Caregiver),
        "reception" | "受付" => Ok(Role::Reception),
        "director" | "施設長" | "センター長" | "admin" | "administrator" | "管理者" => {
            Err(true)
        }
        _ => Err(false),
    }
}

/// The role a row's cell gives (worker when blank); a refused one is the row's error.
fn row_role(cell: Option<String>, v: &mut Validator) -> Role {
    match cell.map(|r| import_role(&r)) {
        None => Role::Worker,
        Some(Ok(r)) => r,
        Some(Err(exists)) => {
            v.reject(
                "role",
                if exists {
                    PeopleError::ImportRoleNotImportable
                } else {
                    PeopleError::ImportBadRole
                },
            );
            Role::Worker
        }
    }
}

/// Takes the cells that name other records (municipality, team, language, site).
fn references(
    known: &Known,
    cell: &dyn Fn(Column) -> Option<String>,
    p: &mut Person,
    v: &mut Validator,
) {
    if let Some(m) = cell(Column::Municipality) {
        let key = header_key(&m);
        match known.municipalities.iter().find(|x| {
            x.code == key || header_key(&x.name_ja) == key || header_key(&x.name_en) == key
        }) {
            Some(x) => p.home_municipality_id = Some(x.id),
            None => {
                v.reject("home_municipality", PeopleError::UnknownMunicipality);
            }
        }
    }
    if let Some(t) = cell(Column::Team) {
        match known.teams.iter().find(|x| x.name.trim() == t) {
            Some(x) => p.team_id = Some(x.id),
            None => {
                v.reject("team", PeopleError::UnknownTeam);
            }
        }
    }
    if let Some(l) = cell(Column::Language) {
        match language(&l) {
            Some(l) => p.language = l,
            None => {
                v.reject("language", PeopleError::ImportBadLanguage);
            }
        }
    }
    if let Some(s) = cell(Column::Site) {
        let key = header_key(&s);
        let site = &known.site;
        if key != site.id.0.to_string()
            && key != header_key(&site.name_ja)
            && key != header_key(&site.name_en)
        {
            v.reject("site", PeopleError::ImportOtherSite);
        }
    }
}

/// Checks one row against what is known and what the rest of the file holds.
fn draft(
    who: &Principal,
    sheet: &Sheet,
    known: &Known,
    counts: &(HashMap<String, usize>, HashMap<String, usize>),
    row: usize,
    cells: &[String],
) -> Draft {
    let cell = |c| sheet.cell(cells, c);
    let number = cell(Column::MemberNumber)
        .map(|m| member_number(&m))
        .unwrap_or_default();
    let email = cell(Column::Email).map(|e| half_width(&e).trim().to_lowercase());
    let existing = known.by_number.get(&number);
    let mut p = existing.cloned().unwrap_or_else(blank);
    let mut v = Validator::new();
    if number.is_empty() {
        v.reject("member_number", CommonError::Required);
    }
    p.member_number = Some(number.clone()).filter(|m| !m.is_empty());
    if let Some(name) = cell(Column::Name) {
        p.name = name;
    }
    if let Some(kana) = cell(Column::Kana) {
        p.name_kana = kana;
    }
    if let Some(e) = &email {
        p.email.clone_from(e);
    }
    if let Some(phone) = cell(Column::Phone) {
        p.phone = half_width(&phone).trim().to_string();
    }
    references(known, &cell, &mut p, &mut v);
    let role = row_role(cell(Column::Role), &mut v);
    super::validate_person(&mut v, &p);
    persons::validate_names(&mut v, &p);
    if counts.0.get(&number).is_some_and(|n| *n > 1) {
        v.reject("member_number", PeopleError::ImportDuplicateNumber);
    }
    if counts.1.get(&p.email).is_some_and(|n| *n > 1) {
        v.reject("email", PeopleError::ImportDuplicateEmail);
    }
    if let Some(&other) = known.by_email.get(&p.email)
        && existing.is_none_or(|e| e.id != other)
    {
        v.reject("email", PeopleError::ImportEmailTaken);
    }
    if let Some(e) = existing
        && !persons::manages(who, e)
    {
        v.reject("member_number", PeopleError::ImportNotYours);
    }
    let grant = (!p
        .roles
        .iter()
        .any(|g| g.site_id == known.site.id && g.role == role))
    .then_some(role);
    let errors = match v.finish() {
        Ok(()) => Vec::new(),
        Err(ApiError::Client { errors, .. }) => errors,
        Err(ApiError::Internal(_)) => Vec::new(),
    };
    let lang = Lang::current();
    let errors: Vec<RowError> = errors
        .into_iter()
        .map(|e: FieldError| RowError {
            column: sheet.header(&e.field),
            field: e.field,
            code: e.code.to_string(),
            message: lang.pick(&e.message.ja, &e.message.en).to_string(),
        })
        .collect();
    let refused = !errors.is_empty();
    let outcome = if refused {
        Outcome::Error
    } else if let Some(e) = existing {
        if grant.is_some() || changed(e, &p) {
            Outcome::Update
        } else {
            Outcome::Unchanged
        }
    } else {
        Outcome::New
    };
    // A refused row shows only what the file says: the person a member number names may be
    // someone the director may not see (another site's, an administrator).
    let (name, email, person_id) = if refused {
        (
            cell(Column::Name).unwrap_or_default(),
            email.unwrap_or_default(),
            None,
        )
    } else {
        (p.name.clone(), p.email.clone(), existing.map(|e| e.id))
    };
    Draft {
        result: RowResult {
            row,
            outcome,
            member_number: number,
            name,
            email,
            role,
            person_id,
            errors,
        },
        person: p,
        grant,
    }
}

/// The person as they are now, not as read before the transaction: an administrator may
/// have changed them (made them an administrator, deactivated them, given them a role
/// elsewhere) meanwhile, and the import must neither undo that nor overwrite someone the
/// director no longer manages (409 import.conflict).
async fn still_as_read(
    tx: &mut crate::db::Tx,
    who: &Principal,
    read: &Person,
) -> ApiResult<Person> {
    match store::in_tx(tx, read.id).await? {
        Some(p)
            if persons::manages(who, &p)
                && p.is_admin == read.is_admin
                && p.active == read.active
                && p.roles == read.roles =>
        {
            Ok(p)
        }
        _ => Err(PeopleError::ImportRaced.into()),
    }
}

fn changed(a: &Person, b: &Person) -> bool {
    a.member_number != b.member_number
        || a.email != b.email
        || a.name != b.name
        || a.name_kana != b.name_kana
        || a.phone != b.phone
        || a.home_municipality_id != b.home_municipality_id
        || a.language != b.language
        || a.team_id != b.team_id
}

/// Checks every row of the file and, unless it is a dry run, imports them all in one
/// transaction (none when any row has an error: a 422 naming each row's fields).
/// Writes one new or changed row of an import in its transaction (and grants its role,
/// invites a new person when asked).
async fn write_row(
    st: &AppState,
    tx: &mut crate::db::Tx,
    (who, site_id): (&Principal, SiteId),
    d: &mut Draft,
    invite: bool,
    now: i64,
) -> ApiResult<()> {
    let mut moved_from = None;
    if d.result.outcome == Outcome::Update {
        let was = still_as_read(tx, who, &d.person).await?;
        moved_from = (was.email != d.person.email).then_some(was.email);
    }
    let id = store::save(tx, &d.person, None, now).await.map_err(|e| {
        crate::error::on_constraint(e, |c| match c {
            // Another import or form took the number or address since the check.
            "persons_email_key" | "persons_member_number_key" => {
                Some(ApiError::from(PeopleError::ImportRaced))
            }
            _ => None,
        })
    })?;
    if let Some(old) = moved_from {
        // As a change in the console: links mailed to the old address close, the sessions
        // end, and the old address hears who moved the account.
        super::persons::address_changed(st, tx, (id, &old), who.id, now).await?;
    }
    if let Some(role) = d.grant {
        auth::store::grant(tx, id, site_id, role).await?;
    }
    if invite {
        invite::send(st, tx, id, Some(who.id), now).await?;
    }
    d.result.person_id = Some(id);
    Ok(())
}

pub async fn run(
    st: &AppState,
    who: &Principal,
    site_id: SiteId,
    bytes: &[u8],
    opts: Options,
) -> ApiResult<ImportReport> {
    who.require_director(site_id)?;
    let site = sites::store::get(&st.db, site_id).await?;
    let sheet = read(bytes)?;
    let people = store::list(&st.db, None).await?;
    let mut by_number = HashMap::new();
    let mut by_email = HashMap::new();
    for p in people {
        by_email.insert(p.email.clone(), p.id);
        if let Some(m) = p.member_number.clone() {
            by_number.insert(m, p);
        }
    }
    let known = Known {
        by_number,
        by_email,
        municipalities: sites::store::municipalities(&st.db).await?,
        teams: store::teams(&st.db, site_id).await?,
        site,
    };
    let mut counts = (HashMap::new(), HashMap::new());
    for (_, cells) in &sheet.rows {
        if let Some(m) = sheet.cell(cells, Column::MemberNumber) {
            *counts.0.entry(member_number(&m)).or_insert(0) += 1;
        }
        if let Some(e) = sheet.cell(cells, Column::Email) {
            *counts
                .1
                .entry(half_width(&e).trim().to_lowercase())
                .or_insert(0) += 1;
        }
    }
    let mut drafts: Vec<Draft> = sheet
        .rows
        .iter()
        .map(|(row, cells)| draft(who, &sheet, &known, &counts, *row, cells))
        .collect();
    let mut report = ImportReport {
        dry_run: opts.dry_run,
        imported: false,
        new: 0,
        updated: 0,
        unchanged: 0,
        errors: 0,
        invited: 0,
        ignored_columns: sheet.ignored.clone(),
        rows: Vec::new(),
    };
    for d in &drafts {
        match d.result.outcome {
            Outcome::New => report.new += 1,
            Outcome::Update => report.updated += 1,
            Outcome::Unchanged => report.unchanged += 1,
            Outcome::Error => report.errors += 1,
        }
    }
    if opts.dry_run {
        report.rows = drafts.into_iter().map(|d| d.result).collect();
        return Ok(report);
    }
    if report.errors > 0 {
        return Err(rows_invalid(&drafts));
    }
    let now = st.clock.epoch();
    let mut tx = st.db.begin().await?;
    for d in &mut drafts {
        if d.result.outcome == Outcome::Unchanged {
            continue;
        }
        let invite = opts.invite && d.result.outcome == Outcome::New;
        write_row(st, &mut tx, (who, site_id), d, invite, now).await?;
        report.invited += usize::from(invite);
    }
    tx.commit().await?;
    report.imported = true;
    report.rows = drafts.into_iter().map(|d| d.result).collect();
    Ok(report)
}

/// The 422 of an import with bad rows: each problem as the field `rows.<row>.<field>`.
fn rows_invalid(drafts: &[Draft]) -> ApiError {
    let code = PeopleError::ImportRowsInvalid;
    let (ja, en) = code.texts();
    let errors: Vec<FieldError> = drafts
        .iter()
        .flat_map(|d| {
            d.result.errors.iter().map(|e| FieldError {
                field: format!("rows.{}.{}", d.result.row, e.field),
                code: PeopleError::ImportRowsInvalid.code(),
                message: crate::error::Text::new(e.message.clone(), e.message.clone()),
            })
        })
        .collect();
    ApiError::Client {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: code.code(),
        detail: crate::error::Text::new(ja, en),
        errors,
        retry_after: None,
    }
    .with(
        "count",
        drafts
            .iter()
            .filter(|d| !d.result.errors.is_empty())
            .count(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_crlf_and_newlines() {
        let text = "会員番号,氏名\r\n\"K-1\",\"佐藤, 花子\"\r\nK-2,\"改行\r\nあり\"\r\nK-3,\"say \"\"hi\"\"\"\r\n";
        let rows = parse_csv(text).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[1].1, ["K-1", "佐藤, 花子"]);
        assert_eq!(rows[2].1, ["K-2", "改行\nあり"]);
        assert_eq!(
            rows[3],
            (4, vec!["K-3".to_string(), "say \"hi\"".to_string()])
        );
        assert_eq!(parse_csv("a,b\n1,\"2\n").unwrap_err(), 2);
        assert_eq!(parse_csv("a\tb\n1\t2").unwrap()[1].1, ["1", "2"]);
    }

    #[test]
    fn encodings_and_widths() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("会員番号,氏名\n");
        assert_eq!(decode_text(&sjis), "会員番号,氏名\n");
        assert_eq!(decode_text(b"\xEF\xBB\xBFa,b"), "a,b");
        assert_eq!(member_number(" Ｋ－０１２３ "), "K-0123");
        assert_eq!(member_number("K\u{30FC}12"), "K-12");
        assert_eq!(Column::from_header("E-mail"), Some(Column::Email));
        assert_eq!(Column::from_header("メールアドレス"), Some(Column::Email));
        assert_eq!(
            Column::from_header(" Member number "),
            Some(Column::MemberNumber)
        );
        assert_eq!(Column::from_header("ﾌﾘｶﾞﾅ"), None);
        assert_eq!(Column::from_header("フリガナ"), Some(Column::Kana));
    }
}
