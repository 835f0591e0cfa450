//! Person accounts (workers and staff), the roles they hold per site, and teams.

pub mod account;
pub mod errors;
pub mod http;
pub mod import;
pub mod invite;
pub mod notify;
pub mod persons;
pub mod store;
pub mod teams;

pub use errors::PeopleError;

use crate::auth::Grant;
use crate::error::{Lang, Validator};
use crate::ids::{MunicipalityId, PersonId, SiteId, TeamId};
use serde::Serialize;
use utoipa::ToSchema;

/// A person with an account: a worker, a staff member, or both.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Person {
    pub id: PersonId,
    /// Workers' member number (printed on cards, typed at the kiosk with a PIN).
    pub member_number: Option<String>,
    pub email: String,
    pub name: String,
    pub name_kana: String,
    pub phone: String,
    pub home_municipality_id: Option<MunicipalityId>,
    pub language: Lang,
    pub team_id: Option<TeamId>,
    pub is_admin: bool,
    pub active: bool,
    pub roles: Vec<Grant>,
}

/// A team of workers at a site, with its leader.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Team {
    pub id: TeamId,
    pub site_id: SiteId,
    pub name: String,
    pub leader_id: Option<PersonId>,
    pub active: bool,
    pub member_ids: Vec<PersonId>,
}

fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' | ' ' | '\u{3000}')
}

/// Whether an e-mail address looks deliverable (the mail server has the last word).
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && s.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@')
}

/// Checks a person's fields (references to other records are checked by the caller).
pub fn validate_person(v: &mut Validator, p: &Person) {
    if !valid_email(&p.email) {
        v.reject("email", PeopleError::BadEmail);
    }
    v.text("name", &p.name, 1, 100);
    v.text("name_kana", &p.name_kana, 0, 100);
    if !p.name_kana.chars().all(is_kana) {
        v.reject("name_kana", PeopleError::BadKana);
    }
    let phone_ok = p.phone.len() <= 20
        && p.phone
            .chars()
            .all(|c| c.is_ascii_digit() || "+-() ".contains(c));
    if !phone_ok {
        v.reject("phone", PeopleError::BadPhone);
    }
    if let Some(m) = &p.member_number
        && !((1..=20).contains(&m.len())
            && m.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        v.reject("member_number", PeopleError::BadMemberNumber);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["a@b.jp", "hanako.sato+kado@example.co.jp"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "", "a", "a@b", "@b.jp", "a@.jp", "a@b.", "a b@c.jp", "a@b@c.jp", "a@b.jp\n",
        ] {
            assert!(!valid_email(bad), "{bad:?}");
        }
    }

    #[test]
    fn kana() {
        assert!("サトウ ハナコ".chars().all(is_kana));
        assert!("さとう　はなこ".chars().all(is_kana));
        assert!(!"佐藤".chars().all(is_kana));
        assert!(!"Sato".chars().all(is_kana));
    }
}
