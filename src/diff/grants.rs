//! What one version of aws-auth grants: one [`Grant`] per row EKS keeps (after `Validate()`
//! and last-wins duplicates), keyed the way the authenticator keys its maps, and one per
//! `mapAccounts` account.

use std::collections::BTreeMap;

use crate::model::awsauth::document::AwsAuthDocument;
use crate::model::awsauth::{Field, Place, Row, SectionKey};
use crate::rules::finding::Location;

/// One way in that a version of aws-auth grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The key EKS stores the row under: a role ARN lower-cased, a user ARN as written, an
    /// `sso:` matcher, or `account:ID`.
    pub key: String,
    /// What to call it in a message: the ARN as written, the SSO pattern, the account.
    pub principal: String,
    pub section: SectionKey,
    pub username: String,
    pub groups: Vec<String>,
    /// A role ARN with a path: EKS compares path-less ARNs, so the row never matches.
    pub never_matches: bool,
    pub location: Location,
}

impl Grant {
    /// Mapped into `system:masters`.
    pub fn is_admin(&self) -> bool {
        let masters = &crate::model::policies::privileged_groups()
            .superuser_group
            .name;
        !self.never_matches && self.groups.iter().any(|g| g == masters)
    }

    /// Mapped into `system:nodes`: nodes join with it.
    pub fn is_node(&self) -> bool {
        !self.never_matches && self.groups.iter().any(|g| g == "system:nodes")
    }
}

/// The rows EKS keeps in `doc`, by key (a later row with the same key replaces an earlier one,
/// as `saveMap` does).
pub fn grants(doc: &AwsAuthDocument) -> BTreeMap<String, Grant> {
    let mut out = BTreeMap::new();
    for section in [SectionKey::MapRoles, SectionKey::MapUsers] {
        for entry in doc.section(section).kept() {
            let arn = entry.row.arn().trim().to_string();
            let key = match &entry.row {
                Row::Role(r) if r.sso.is_some() => entry.row.principal().into_owned(),
                Row::Role(_) => arn.to_lowercase(),
                Row::User(_) => arn.clone(),
            };
            // A role ARN with a path never matches; a row whose templates never render for its
            // principal lets nobody in.
            let never_matches = entry.row.has_role_path()
                || crate::model::awsauth::template::never_renders(
                    &arn,
                    entry.row.username(),
                    entry.row.groups(),
                )
                .is_some();
            let field = if section == SectionKey::MapUsers {
                "userarn"
            } else {
                "rolearn"
            };
            out.insert(
                key.clone(),
                Grant {
                    key,
                    principal: entry.row.principal().into_owned(),
                    section,
                    username: entry.row.username().to_string(),
                    groups: entry.row.groups().to_vec(),
                    never_matches,
                    // The row, at its ARN's value.
                    location: doc.locate(Place::FieldAt(
                        section,
                        entry,
                        Field::Row,
                        entry.pos_of(field),
                    )),
                },
            );
        }
    }
    for account in doc.section(SectionKey::MapAccounts).kept_accounts() {
        let key = format!("account:{}", account.account);
        out.insert(
            key.clone(),
            Grant {
                key,
                principal: format!("account {}", account.account),
                section: SectionKey::MapAccounts,
                username: String::new(),
                groups: Vec::new(),
                never_matches: false,
                location: doc.locate(Place::Account(account)),
            },
        );
    }
    out
}
