//! What a cluster's tags say about how it was created: the fallback of the creator's
//! identification when CloudTrail cannot name it (reference §1.4, "CloudFormation
//! provenance"). A heuristic, and every hint says so: tags point at the pipeline, not at the
//! principal that signed `CreateCluster`.

use std::collections::BTreeMap;

/// The tag CloudFormation puts on every resource of a stack.
const STACK_NAME: &str = "aws:cloudformation:stack-name";
/// Tags eksctl puts on the clusters it creates (older and newer spellings).
const EKSCTL: [&str; 2] = [
    "alpha.eksctl.io/cluster-name",
    "eksctl.cluster.k8s.io/v1alpha1/cluster-name",
];

/// One sentence per hint, most specific first; empty when the tags say nothing.
pub fn creator_hints(tags: &BTreeMap<String, String>) -> Vec<String> {
    let mut hints = Vec::new();
    if EKSCTL.iter().any(|k| tags.contains_key(*k)) {
        let version = tags
            .get("alpha.eksctl.io/eksctl-version")
            .map_or(String::new(), |v| format!(" {v}"));
        hints.push(format!(
            "eksctl{version} created it (its tags say so): the creator is the identity eksctl ran as, unless its CloudFormation stack was given a service role"
        ));
    }
    if let Some(stack) = tags.get(STACK_NAME) {
        hints.push(format!(
            "CloudFormation stack `{stack}` created it: the creator is the stack's service role if it has one (`aws cloudformation describe-stacks --stack-name {stack} --query Stacks[0].RoleARN`), else whoever created the stack (CloudTrail CreateStack)"
        ));
    }
    if let Some((key, value)) = tags.iter().find(|(k, v)| {
        k.to_ascii_lowercase().contains("terraform") || v.to_ascii_lowercase().contains("terraform")
    }) {
        hints.push(format!(
            "Terraform manages it (tag `{key}={value}`): the creator is the identity Terraform's AWS provider ran as when the cluster was created"
        ));
    }
    hints
}

/// Who granted each way in and when, as far as the audit read it: for an access entry its
/// creation time (the EKS API) and, from CloudTrail's EKS events, who created it and who
/// associated its policies (`super::history::entry_provenance`: or why that is unknown); for an
/// aws-auth row, where the audit log was read, the write that added it
/// (`super::aws_auth_history`), else the last manager that wrote aws-auth's `data`
/// (`managedFields`: kubectl, Terraform, eksctl, a controller) and when — the object's, not the
/// row's.
pub fn attach_provenance(
    principals: &mut [super::Principal],
    writers: &[crate::evidence::FieldWriter],
    entries: &[crate::evidence::AccessEntry],
    trail: Option<&crate::evidence::Fetched<crate::evidence::Trail>>,
    aws_auth: Option<(
        &crate::model::awsauth::document::AwsAuthDocument,
        &crate::evidence::AuditLog,
    )>,
) {
    let rows = aws_auth.map(|(doc, log)| super::aws_auth_history::row_provenance(log, doc));
    let data_writer = writers
        .iter()
        .filter(|w| w.writes_data)
        .max_by(|a, b| a.time.cmp(&b.time));
    for principal in principals {
        principal.provenance = match &principal.source {
            super::PrincipalSource::AwsAuth { section, index }
                if rows.as_ref().is_some_and(|r| r.contains_key(&(*section, *index))) =>
            {
                rows.as_ref().and_then(|r| r.get(&(*section, *index))).cloned()
            }
            super::PrincipalSource::AwsAuth { .. } | super::PrincipalSource::MapAccounts { .. } => {
                data_writer.map(|w| {
                    format!(
                        "aws-auth's data last written by {} ({}{}) — the object's last writer (managedFields), not necessarily this row's",
                        w.manager,
                        w.operation,
                        w.time.as_deref().map_or(String::new(), |t| format!(" at {t}"))
                    )
                })
            }
            super::PrincipalSource::AccessEntry(_) => entries
                .iter()
                .find(|e| e.principal_arn == principal.arn)
                .map(|e| super::history::entry_provenance(e, trail)),
            _ => None,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn each_tool_is_recognised_by_its_tags() {
        let eksctl = creator_hints(&tags(&[
            ("alpha.eksctl.io/cluster-name", "prod"),
            ("alpha.eksctl.io/eksctl-version", "0.190.0"),
            ("aws:cloudformation:stack-name", "eksctl-prod-cluster"),
        ]));
        assert_eq!(eksctl.len(), 2, "{eksctl:?}");
        assert!(eksctl[0].starts_with("eksctl 0.190.0 created it"));
        assert!(eksctl[1].contains("--stack-name eksctl-prod-cluster"));

        let terraform = creator_hints(&tags(&[("ManagedBy", "Terraform"), ("team", "a")]));
        assert_eq!(terraform.len(), 1);
        assert!(terraform[0].contains("`ManagedBy=Terraform`"));
        assert!(
            creator_hints(&tags(&[("terraform-aws-modules", "eks")]))[0]
                .contains("terraform-aws-modules")
        );
    }

    #[test]
    fn tags_that_name_no_tool_give_no_hint() {
        assert!(creator_hints(&tags(&[("team", "platform"), ("env", "prod")])).is_empty());
        assert!(creator_hints(&BTreeMap::new()).is_empty());
    }
}
