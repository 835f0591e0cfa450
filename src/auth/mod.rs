//! Accounts, passwords, sessions, roles per site, and kiosk devices: who is asking, and what
//! they may do. Every handler authorises through [`Principal`] or [`KioskDevice`].

pub mod credential;
pub mod device;
pub mod devices;
pub mod errors;
pub mod http;
pub mod login;
pub mod notify;
pub mod password;
pub mod store;
pub mod throttle;

pub use errors::AuthError;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Lang};
use crate::ids::{PersonId, SiteId};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "kado_session";

/// A role a person holds on one site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Worker,
    Reception,
    Caregiver,
    Trainer,
    Director,
}

impl Role {
    /// Every role, in the order people are usually listed.
    pub const ALL: [Role; 5] = [
        Role::Worker,
        Role::Reception,
        Role::Caregiver,
        Role::Trainer,
        Role::Director,
    ];

    /// The name stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Worker => "worker",
            Role::Reception => "reception",
            Role::Caregiver => "caregiver",
            Role::Trainer => "trainer",
            Role::Director => "director",
        }
    }

    /// Parses a role name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Parses a role read from `role_grants`; an unknown name is an error naming the row.
    pub fn stored(s: &str, person_id: PersonId, site_id: SiteId) -> anyhow::Result<Role> {
        Role::parse(s).ok_or_else(|| {
            anyhow::anyhow!(
                "role_grants row (person {person_id}, site {site_id}) has an unknown role {s:?}"
            )
        })
    }
}

impl std::str::FromStr for Role {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Role> {
        Role::parse(s).ok_or_else(|| anyhow::anyhow!("unknown role {s:?}"))
    }
}

/// A person's language as stored in `persons.language`; anything else is an error naming
/// the row.
pub fn stored_language(s: &str, person_id: PersonId) -> anyhow::Result<Lang> {
    match s {
        "ja" => Ok(Lang::Ja),
        "en" => Ok(Lang::En),
        _ => Err(anyhow::anyhow!(
            "persons row {person_id} has an unknown language {s:?}"
        )),
    }
}

/// The stored name of a language.
pub fn language_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => "ja",
        Lang::En => "en",
    }
}

/// A role on a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Grant {
    pub site_id: SiteId,
    pub role: Role,
}

/// The person a request comes from, with every role they hold.
#[derive(Clone, Debug)]
pub struct Principal {
    pub id: PersonId,
    pub is_admin: bool,
    pub language: Lang,
    pub grants: Vec<Grant>,
}

impl Principal {
    /// Whether this person holds one of `roles` on the site (a global admin holds all).
    pub fn has(&self, site_id: impl Into<SiteId>, roles: &[Role]) -> bool {
        let site_id = site_id.into();
        self.is_admin
            || self
                .grants
                .iter()
                .any(|g| g.site_id == site_id && roles.contains(&g.role))
    }

    /// Refuses unless this person holds one of `roles` on the site.
    pub fn require(&self, site_id: impl Into<SiteId>, roles: &[Role]) -> ApiResult<()> {
        if self.has(site_id, roles) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// Refuses unless this person directs the site.
    pub fn require_director(&self, site_id: impl Into<SiteId>) -> ApiResult<()> {
        self.require(site_id, &[Role::Director])
    }

    /// Refuses unless this person is a global administrator.
    pub fn require_admin(&self) -> ApiResult<()> {
        if self.is_admin {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// The sites this person holds one of `roles` on (not meaningful for an admin, who holds
    /// every role everywhere).
    pub fn sites_with(&self, roles: &[Role]) -> Vec<SiteId> {
        let mut ids: Vec<SiteId> = self
            .grants
            .iter()
            .filter(|g| roles.contains(&g.role))
            .map(|g| g.site_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// The value of one cookie in the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    cookie_in(&parts.headers, name)
}

/// A cookie's value from request headers.
pub fn cookie_in<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let token = cookie(parts, SESSION_COOKIE).ok_or_else(ApiError::unauthenticated)?;
        store::session_principal(&st.db, token, st.clock.epoch())
            .await?
            .ok_or_else(ApiError::unauthenticated)
    }
}

/// The address a request comes from: the peer, or behind a trusted load balancer the last
/// `X-Forwarded-For` entry (earlier entries are the client's own claim).
pub struct ClientIp(pub std::net::IpAddr);

impl ClientIp {
    /// The address as throttles count it: an IPv6 client is one /64 (one subscriber gets a
    /// whole /64, so single addresses would be endless), an IPv4 client its own address.
    pub fn throttle_key(&self) -> String {
        match self.0 {
            std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = v6.segments();
                    let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                    format!("{net}/64")
                }
            },
            v4 => v4.to_string(),
        }
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        // Strictly the last entry, the one our balancer appended: when it does not parse,
        // an earlier (client-written) entry must not stand in for it.
        if st.config.trust_proxy
            && let Some(ip) = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|a| a.trim().parse().ok())
        {
            return Ok(ClientIp(ip));
        }
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or_else(|| anyhow::anyhow!("served without connect info"))?;
        Ok(ClientIp(peer))
    }
}

/// A paired, unrevoked kiosk device; good only for its own site's kiosk API.
#[derive(Clone, Debug)]
pub struct KioskDevice {
    pub id: crate::ids::DeviceId,
    pub site_id: crate::ids::SiteId,
    pub name: String,
    /// Paired to a secure room's door (access): refused at the entrance scan.
    pub door: bool,
}

impl FromRequestParts<AppState> for KioskDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let token = KioskToken::from_request_parts(parts, st).await?;
        devices::device_for_token(st, &token, st.clock.epoch())
            .await?
            .ok_or_else(devices::unpaired)
    }
}

/// A kiosk's bearer token, not yet looked up: the scan resolves it inside its own first
/// statement, which saves the entrance rush a round trip per scan.
#[derive(Clone, Debug)]
pub struct KioskToken {
    /// The token's hash, as `kiosk_devices.token_hash` stores it.
    pub hash: String,
}

impl FromRequestParts<AppState> for KioskToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(devices::unpaired)?;
        Ok(KioskToken {
            hash: password::token_hash(token),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(is_admin: bool, grants: &[(i64, Role)]) -> Principal {
        Principal {
            id: PersonId(1),
            is_admin,
            language: Lang::Ja,
            grants: grants
                .iter()
                .map(|&(site_id, role)| Grant {
                    site_id: SiteId(site_id),
                    role,
                })
                .collect(),
        }
    }

    #[test]
    fn roles_are_per_site() {
        let director_of_1 = p(false, &[(1, Role::Director), (2, Role::Worker)]);
        assert!(director_of_1.has(1, &[Role::Director]));
        assert!(!director_of_1.has(2, &[Role::Director]));
        assert!(director_of_1.has(2, &[Role::Worker, Role::Reception]));
        assert!(director_of_1.require_admin().is_err());
        assert_eq!(director_of_1.sites_with(&[Role::Director]), vec![SiteId(1)]);
        assert_eq!(
            director_of_1.sites_with(&Role::ALL),
            vec![SiteId(1), SiteId(2)]
        );
    }

    #[test]
    fn admin_holds_every_role() {
        let admin = p(true, &[]);
        assert!(admin.has(99, &[Role::Director]));
        assert!(admin.require_admin().is_ok());
    }

    #[test]
    fn ipv6_clients_are_throttled_per_64() {
        let key = |a: &str| ClientIp(a.parse().unwrap()).throttle_key();
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb::9"));
        assert_eq!(key("2001:db8:1:2::5"), "2001:db8:1:2::/64");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
    }

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("admin"), None);
        let err = Role::stored("admin", PersonId(3), SiteId(4)).unwrap_err();
        assert!(err.to_string().contains("person 3, site 4"), "{err}");
    }
}
