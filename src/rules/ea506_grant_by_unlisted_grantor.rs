//! ## What it does
//! With an organisation policy whose matching scope lists `grantors`, reads who granted each
//! administrator path of the cluster that comes from an access entry — the `CreateAccessEntry`
//! and `AssociateAccessPolicy` events of CloudTrail (its 90-day window) that made it and still
//! stand — and reports every one granted by a principal the list does not name, with the
//! grantor, the call, its time and its event id. A session is judged by the role that issued it
//! (with its path), so `sso_permission_set: Admin` names every Identity Center user of that
//! permission set. Calls EKS makes itself are not grants.
//!
//! Where the grantor cannot be known the verdict is undecided, never a pass: CloudTrail was not
//! read, was read in part, or the grant is older than its window (`unknown(…)`, exit 3).
//! Access granted through aws-auth is not judged here: which edit added an aws-auth row only
//! the cluster's audit log records. Access declared by a plan or a ClusterConfig is not granted
//! yet: not judged.
//!
//! ## Why is this bad?
//! An administrator path the platform team did not grant is the mark of a break-glass use
//! nobody recorded, of a pipeline with more power than it needs — or of an intruder who gave
//! itself a way back in. The grant itself looks like any other; who made it is the difference.
//!
//! ## Example
//! `grantors: [{role_name: platform-admin}]`, and CloudTrail shows
//! `AssociateAccessPolicy AmazonEKSClusterAdminPolicy` for `role/ci` made by `role/ci-runner`.
//!
//! ## Remediation
//! Review the grant with its grantor; remove it, or re-grant it through the platform role
//! (and narrow the grantor's `eks:CreateAccessEntry`/`eks:AssociateAccessPolicy`, EA405), or
//! add the grantor to `grantors` after review.
//!
//! ## How to verify by hand
//! `aws cloudtrail lookup-events --lookup-attributes
//! AttributeKey=EventName,AttributeValue=AssociateAccessPolicy` in the cluster's region, and
//! read `userIdentity` of the events whose `requestParameters.name` is the cluster.
//!
//! ## References
//! - docs/policy.md (`grantors`)
//! - EKS User Guide, "Log API calls as AWS CloudTrail events": https://docs.aws.amazon.com/eks/latest/userguide/logging-using-cloudtrail.html

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "EA506",
    slug: "admin-granted-by-unlisted-grantor",
    severity: Severity::High,
    summary: "an administrator access entry was granted by a principal the policy's grantors do not list",
    needs: &[Input::Policy],
};

/// Runs when a matching scope lists `grantors` and the target is a cluster (its grants exist).
pub fn check(facts: &PolicyFacts<'_>, out: &mut PolicyEmitter<'_>) -> bool {
    let (Some(grantors), Some(history)) = (&facts.grantors, facts.history) else {
        return false;
    };
    let admin_entries = facts
        .principals
        .iter()
        .filter(|p| p.in_effect && p.tier.is_admin() && p.source.is_access_entry());
    let remediation = "review the grant with its grantor: remove it or re-grant it through a listed grantor, or add the grantor to `grantors` after review";
    for p in admin_entries {
        // The grants that made this entry and still stand, or why who made them is unknown.
        let grants = match history {
            Err(why) => Err(("cloudtrail_unread", why.to_string())),
            Ok(items) => {
                let grants: Vec<_> = items
                    .iter()
                    .filter(|h| h.is_about(&p.arn) && h.grants_now())
                    .filter(|h| h.event == "CreateAccessEntry" || h.admin)
                    .collect();
                if grants.is_empty() {
                    Err((
                        "granted_before_window",
                        "it was granted before CloudTrail's 90-day window".to_string(),
                    ))
                } else {
                    Ok(grants)
                }
            }
        };
        let grants = match grants {
            Ok(grants) => grants,
            Err((reason, why)) => {
                out.emit_undecided(
                    Some(p),
                    Subject::Principal(&p.arn),
                    reason,
                    format!(
                        "who granted {}'s administrator access entry cannot be said: {why}",
                        p.arn
                    ),
                    remediation.to_string(),
                );
                continue;
            }
        };
        let unlisted: Vec<String> = grants
            .into_iter()
            .filter_map(|grant| {
                let grantor = grant.actor_arn.as_deref()?;
                let listed = grantors.iter().any(|g| (g.names)(grantor));
                (!listed && !grant.actor.starts_with("EKS itself")).then(|| {
                    format!(
                        "{} {} at {} (event {})",
                        grant.actor, grant.what, grant.time, grant.event_id
                    )
                })
            })
            .collect();
        if !unlisted.is_empty() {
            out.emit(
                Some(p),
                Subject::Principal(&p.arn),
                format!(
                    "{}'s administrator access was granted by a principal the policy's grantors do not list (scope {}): {}",
                    p.arn,
                    facts.scope_lines,
                    unlisted.join("; ")
                ),
                remediation.to_string(),
            );
        }
    }
    true
}
