//! The use cases on person accounts and their roles, and who may see and change whom.

use super::{PeopleError, Person, store};
use crate::AppState;
use crate::auth::{self, Grant, Principal, Role};
use crate::error::{
    ApiError, ApiResult, CommonError, Lang, Text, Validator, invalid_code, on_constraint, taken,
};
use crate::ids::{MunicipalityId, PersonId, SiteId, TeamId};
use crate::sites;
use serde::Deserialize;
use utoipa::ToSchema;

/// Whether `who` may see this person: an administrator, or a director of a site where the
/// person holds a role.
pub fn sees(who: &Principal, p: &Person) -> bool {
    who.is_admin
        || p.roles
            .iter()
            .any(|g| who.has(g.site_id, &[Role::Director]))
}

/// Whether `who` may change this person (details, roles): an administrator, or a
/// director of every site the person holds a role on, when the person is neither an
/// administrator nor a director. Anyone who also works elsewhere is changed by an
/// administrator, so that no director reaches into another site through a shared person.
pub fn manages(who: &Principal, p: &Person) -> bool {
    who.is_admin
        || (!p.is_admin
            && !p.roles.is_empty()
            && p.roles
                .iter()
                .all(|g| g.role != Role::Director && who.has(g.site_id, &[Role::Director])))
}

/// Refuses a grant that `who` may not give: directors give any role but director on their
/// own sites; only administrators appoint directors.
pub fn may_grant(who: &Principal, g: Grant) -> ApiResult<()> {
    who.require_director(g.site_id)?;
    if g.role == Role::Director {
        who.require_admin()?;
    }
    Ok(())
}

/// A person's fields as a request gives them (all optional when changing).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    member_number: Option<String>,
    email: Option<String>,
    name: Option<String>,
    name_kana: Option<String>,
    phone: Option<String>,
    home_municipality_id: Option<MunicipalityId>,
    language: Option<Lang>,
    team_id: Option<TeamId>,
    is_admin: Option<bool>,
    active: Option<bool>,
    /// Refused (`person.password_by_link`): nobody sets another person's password; they
    /// choose it through an invitation, or sign in with a link mailed to their address.
    password: Option<String>,
    /// When creating: the site the first roles are on.
    site_id: Option<SiteId>,
    /// When creating: the roles on `site_id` (at least one).
    roles: Option<Vec<Role>>,
    /// When creating: mail an invitation with which the person sets their password.
    invite: Option<bool>,
}

/// The persons `who` manages, on one site or (administrators: everyone; directors: those
/// with a role on their sites) on all.
pub async fn list(st: &AppState, who: &Principal, site: Option<SiteId>) -> ApiResult<Vec<Person>> {
    let sites = match site {
        Some(site) => {
            who.require_director(site)?;
            Some(vec![site])
        }
        None if who.is_admin => None,
        None => {
            let mine = who.sites_with(&[Role::Director]);
            if mine.is_empty() {
                return Err(ApiError::forbidden());
            }
            Some(mine)
        }
    };
    Ok(store::list(&st.db, sites.as_deref()).await?)
}

/// A page of persons matching a search, and how many match in all.
#[derive(serde::Serialize, ToSchema)]
pub struct PersonPage {
    pub total: usize,
    pub offset: usize,
    pub items: Vec<Person>,
}

/// What to search for.
pub struct Search {
    pub site: Option<SiteId>,
    /// Words each found in the name, kana, e-mail address or member number (any width).
    pub q: String,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub offset: usize,
    pub limit: usize,
}

/// Searches the persons `who` manages (as [`list`]), by name, kana, address or member
/// number, a page at a time.
pub async fn search(st: &AppState, who: &Principal, s: Search) -> ApiResult<PersonPage> {
    let words: Vec<String> = super::import::half_width(&s.q)
        .to_lowercase()
        .split_whitespace()
        .map(String::from)
        .collect();
    let found: Vec<Person> = list(st, who, s.site)
        .await?
        .into_iter()
        .filter(|p| {
            let hay = format!(
                "{} {} {} {}",
                p.name.to_lowercase(),
                super::import::half_width(&p.name_kana),
                p.email,
                p.member_number
                    .as_deref()
                    .unwrap_or_default()
                    .to_lowercase()
            );
            words.iter().all(|w| hay.contains(w.as_str()))
                && s.role.is_none_or(|r| {
                    p.roles
                        .iter()
                        .any(|g| g.role == r && s.site.is_none_or(|site| g.site_id == site))
                })
                && s.active.is_none_or(|a| p.active == a)
        })
        .collect();
    Ok(PersonPage {
        total: found.len(),
        offset: s.offset,
        items: found.into_iter().skip(s.offset).take(s.limit).collect(),
    })
}

/// One person, for themselves or someone who sees them.
pub async fn visible(st: &AppState, who: &Principal, id: PersonId) -> ApiResult<Person> {
    let p = store::get(&st.db, id).await?;
    if sees(who, &p) || who.id == id {
        Ok(p)
    } else {
        Err(ApiError::forbidden())
    }
}

/// Creates an account with its first roles on one site.
pub async fn create(st: &AppState, who: &Principal, mut input: PersonInput) -> ApiResult<Person> {
    let roles = input.roles.take().filter(|r| !r.is_empty());
    let grants: Vec<Grant> = match (input.site_id, roles) {
        (Some(site_id), Some(roles)) => roles
            .into_iter()
            .map(|role| Grant { site_id, role })
            .collect(),
        // An account with no site role: administrators make them for a municipality's KPI
        // viewers (who must not count as anybody's worker); directors add people to a site.
        (None, None) if who.is_admin => Vec::new(),
        _ => return Err(invalid_code("roles", PeopleError::RolesRequired)),
    };
    for g in &grants {
        may_grant(who, *g)?;
        sites::store::get(&st.db, g.site_id).await?;
    }
    let blank = Person {
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
    };
    save(st, who, blank, input, &grants).await
}

/// Changes a person's details or deactivates the account (never their password: 422).
pub async fn update(
    st: &AppState,
    who: &Principal,
    id: PersonId,
    input: PersonInput,
) -> ApiResult<Person> {
    let p = store::get(&st.db, id).await?;
    if !manages(who, &p) {
        return Err(ApiError::forbidden());
    }
    if input.site_id.is_some() || input.roles.is_some() {
        return Err(invalid_code("roles", PeopleError::RolesSeparately));
    }
    save(st, who, p, input, &[]).await
}

/// Takes the input's fields into the person.
fn apply(p: &mut Person, input: &mut PersonInput) {
    if let Some(m) = input.member_number.take() {
        p.member_number = Some(m.trim().to_string()).filter(|m| !m.is_empty());
    }
    let take = |new: &mut Option<String>, old: &str| new.take().unwrap_or_else(|| old.into());
    p.email = take(&mut input.email, &p.email).trim().to_lowercase();
    p.name = take(&mut input.name, &p.name).trim().to_string();
    p.name_kana = take(&mut input.name_kana, &p.name_kana).trim().to_string();
    p.phone = take(&mut input.phone, &p.phone).trim().to_string();
    p.home_municipality_id = input.home_municipality_id.or(p.home_municipality_id);
    p.language = input.language.unwrap_or(p.language);
    p.team_id = input.team_id.or(p.team_id);
    p.is_admin = input.is_admin.unwrap_or(p.is_admin);
    p.active = input.active.unwrap_or(p.active);
}

/// Refuses control characters in the name and its kana: names are one line, and they end
/// up in mails, CSV exports and logs. (The import calls this with `validate_person`.)
pub fn validate_names(v: &mut Validator, p: &Person) {
    for (field, value) in [("name", &p.name), ("name_kana", &p.name_kana)] {
        if value.chars().any(char::is_control) {
            let text = Text::new(
                "名前に制御文字(タブや改行を含む)は使えません。",
                "Names cannot hold control characters (tabs and line breaks included).",
            );
            v.add(field, CommonError::ControlCharacter, text);
        }
    }
}

/// Checks the person's fields and the records they name.
async fn check(st: &AppState, who: &Principal, p: &Person) -> ApiResult<()> {
    let mut v = Validator::new();
    super::validate_person(&mut v, p);
    validate_names(&mut v, p);
    if let Some(m) = p.home_municipality_id
        && sites::store::municipality_by_id(&st.db, m).await.is_err()
    {
        v.reject("home_municipality_id", PeopleError::UnknownMunicipality);
    }
    if let Some(t) = p.team_id {
        match store::team(&st.db, t).await {
            Ok(team) if who.has(team.site_id, &[Role::Director]) => {}
            _ => {
                v.reject("team_id", PeopleError::UnknownTeam);
            }
        }
    }
    v.finish()
}

async fn save(
    st: &AppState,
    who: &Principal,
    mut p: Person,
    mut input: PersonInput,
    grants: &[Grant],
) -> ApiResult<Person> {
    if input.is_admin.is_some_and(|a| a != p.is_admin) {
        who.require_admin()?;
    }
    // Whoever sets a password can sign in as the person and read what only they may (their
    // bank account, their children's medical notes): the person chooses it through an
    // invitation, or signs in with a link mailed to their address.
    if input.password.is_some() {
        return Err(invalid_code("password", PeopleError::PasswordByLink));
    }
    let invite = input.invite.unwrap_or(false);
    if invite && p.id.0 != 0 {
        return Err(invalid_code("invite", PeopleError::InviteSeparately));
    }
    let old_email = p.email.clone();
    apply(&mut p, &mut input);
    check(st, who, &p).await?;
    let now = st.clock.epoch();
    let mut tx = st.db.begin().await?;
    let id = store::save(&mut tx, &p, None, now).await.map_err(|e| {
        on_constraint(e, |c| match c {
            "persons_email_key" => Some(taken("email", "メールアドレス", "e-mail address")),
            "persons_member_number_key" => {
                Some(taken("member_number", "会員番号", "member number"))
            }
            _ => None,
        })
    })?;
    if !p.active {
        // Deactivating the account logs it out everywhere, and a link mailed before must not
        // outlive it.
        auth::login::log_out_everywhere(&mut tx, id).await?;
        store::close_invitations(&mut tx, id, now).await?;
    }
    if p.id.0 != 0 && p.email != old_email && who.id != id {
        address_changed(st, &mut tx, (id, &old_email), who.id, now).await?;
    }
    for g in grants {
        auth::store::grant(&mut tx, id, g.site_id, g.role).await?;
    }
    if invite {
        super::invite::send(st, &mut tx, id, Some(who.id), now).await?;
    }
    tx.commit().await?;
    store::get(&st.db, id).await
}

/// Someone else changed the person's address: links mailed to the old one close, every
/// session ends (a sign-in link to the new address is the way back in), and the old address
/// hears who moved the account to where.
pub async fn address_changed(
    st: &AppState,
    tx: &mut crate::db::Tx,
    (id, old_email): (PersonId, &str),
    by: PersonId,
    now: i64,
) -> ApiResult<()> {
    store::close_invitations(tx, id, now).await?;
    auth::login::password_reset(tx, id, now).await?;
    super::notify::email_changed(st, tx, (id, old_email), by).await?;
    Ok(())
}

/// Grants a role on a site.
pub async fn grant_role(
    st: &AppState,
    who: &Principal,
    id: PersonId,
    g: Grant,
) -> ApiResult<Person> {
    may_grant(who, g)?;
    sites::store::get(&st.db, g.site_id).await?;
    let p = store::get(&st.db, id).await?;
    if !manages(who, &p) {
        return Err(ApiError::forbidden());
    }
    let mut tx = st.db.begin().await?;
    auth::store::grant(&mut tx, id, g.site_id, g.role).await?;
    tx.commit().await?;
    store::get(&st.db, id).await
}

/// Takes a role back.
pub async fn revoke_role(st: &AppState, who: &Principal, id: PersonId, g: Grant) -> ApiResult<()> {
    may_grant(who, g)?;
    if !manages(who, &store::get(&st.db, id).await?) {
        return Err(ApiError::forbidden());
    }
    if auth::store::revoke(&st.db, id, g).await? {
        Ok(())
    } else {
        Err(ApiError::not_found("役割", "Role"))
    }
}
