//! Who sees which municipality's figures. Administrators see every municipality and the
//! programme's total; a director sees the municipalities of the sites they direct (with the
//! names of that city's workers in the funnel); a municipality viewer (kpi's own grant) sees
//! their city's figures only, never a person's name. Nobody else sees anything.

use super::store;
use crate::auth::{Principal, Role};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::ids::{MunicipalityId, SiteId};
use std::collections::BTreeSet;

/// What a person may see of the KPIs.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Every municipality and the total (administrators).
    pub all: bool,
    /// The municipalities whose figures they see.
    pub municipalities: BTreeSet<MunicipalityId>,
    /// The municipalities whose exact figures they see (those of the sites they direct); a
    /// municipality viewer's figures of fewer than 3 people are withheld.
    pub exact: BTreeSet<MunicipalityId>,
    /// The sites whose workers they may see by name (the sites they direct: the people area
    /// shows a director no one else either).
    pub personal: BTreeSet<SiteId>,
}

impl Scope {
    /// Whether they see this municipality's figures.
    pub fn sees(&self, m: MunicipalityId) -> bool {
        self.all || self.municipalities.contains(&m)
    }

    /// Whether they see this municipality's exact figures (else small ones are withheld).
    pub fn exact(&self, m: MunicipalityId) -> bool {
        self.all || self.exact.contains(&m)
    }

    /// Whether they see this site's workers by name.
    pub fn names(&self, site: SiteId) -> bool {
        self.all || self.personal.contains(&site)
    }
}

/// The person's scope; 403 when they see no municipality at all.
pub async fn of(db: &Db, who: &Principal) -> ApiResult<Scope> {
    if who.is_admin {
        return Ok(Scope {
            all: true,
            ..Scope::default()
        });
    }
    let directed = who.sites_with(&[Role::Director]);
    let mut scope = Scope::default();
    if !directed.is_empty() {
        for s in store::sites(db).await? {
            if directed.contains(&s.id) {
                scope.municipalities.insert(s.municipality_id);
                scope.exact.insert(s.municipality_id);
                scope.personal.insert(s.id);
            }
        }
    }
    scope
        .municipalities
        .extend(store::viewer_of(db, who.id).await?);
    if scope.municipalities.is_empty() {
        return Err(ApiError::forbidden());
    }
    Ok(scope)
}
