//! Person accounts (workers and staff), the roles they hold per site, and teams.

pub mod http;
pub mod store;

use crate::auth::Grant;
use crate::error::{Lang, Text, Validator};
use serde::Serialize;
use utoipa::ToSchema;

/// A person with an account: a worker, a staff member, or both.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Person {
    pub id: i64,
    /// Workers' member number (printed on cards, typed at the kiosk with a PIN).
    pub member_number: Option<String>,
    pub email: String,
    pub name: String,
    pub name_kana: String,
    pub phone: String,
    pub home_municipality_id: Option<i64>,
    pub language: Lang,
    pub team_id: Option<i64>,
    pub is_admin: bool,
    pub active: bool,
    pub roles: Vec<Grant>,
}

/// A team of workers at a site, with its leader.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Team {
    pub id: i64,
    pub site_id: i64,
    pub name: String,
    pub leader_id: Option<i64>,
    pub active: bool,
    pub member_ids: Vec<i64>,
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
    v.check(
        valid_email(&p.email),
        "email",
        "person.bad_email",
        Text::new(
            "メールアドレスの形式が正しくありません。",
            "This is not a valid e-mail address.",
        ),
    );
    v.text("name", &p.name, 1, 100);
    v.text("name_kana", &p.name_kana, 0, 100);
    v.check(
        p.name_kana.chars().all(is_kana),
        "name_kana",
        "person.bad_kana",
        Text::new(
            "フリガナはひらがなかカタカナで入力してください。",
            "Write the kana reading in hiragana or katakana.",
        ),
    );
    v.check(
        p.phone.len() <= 20
            && p.phone
                .chars()
                .all(|c| c.is_ascii_digit() || "+-() ".contains(c)),
        "phone",
        "person.bad_phone",
        Text::new(
            "電話番号は数字とハイフンで20文字以内で入力してください。",
            "Write the phone number with digits and hyphens, at most 20 characters.",
        ),
    );
    if let Some(m) = &p.member_number {
        v.check(
            (1..=20).contains(&m.len()) && m.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "member_number",
            "person.bad_member_number",
            Text::new(
                "会員番号は英数字とハイフンで20文字以内です。",
                "The member number is letters, digits and hyphens, at most 20.",
            ),
        );
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
