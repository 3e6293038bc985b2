//! A large, realistic `aws-auth` for benchmarks: node roles, `system:masters` admins, and
//! team roles with paths, in the proportions of a big multi-team cluster. Deterministic.

/// A ConfigMap manifest of about `target_bytes` of `mapRoles` data.
pub fn large_configmap(target_bytes: usize) -> String {
    let mut roles = String::with_capacity(target_bytes + 512);
    let mut i = 0usize;
    while roles.len() < target_bytes {
        let account = format!("{:012}", 100_000_000_000u64 + (i % 37) as u64);
        let item = match i % 10 {
            0..=5 => format!(
                "- rolearn: arn:aws:iam::{account}:role/eks-node-group-{i:05}\n  username: system:node:{{{{EC2PrivateDNSName}}}}\n  groups:\n    - system:bootstrappers\n    - system:nodes\n"
            ),
            6 => format!(
                "- rolearn: arn:aws:iam::{account}:role/admin-{i:05}\n  username: admin:{{{{SessionName}}}}\n  groups:\n    - system:masters\n"
            ),
            _ => format!(
                "- rolearn: arn:aws:iam::{account}:role/teams/t{:03}/deployer-{i:05}\n  username: team-{}:{{{{SessionName}}}}\n  groups: [team-{}]\n",
                i % 200,
                i % 200,
                i % 200
            ),
        };
        if roles.len() + item.len() > target_bytes {
            break;
        }
        roles.push_str(&item);
        i += 1;
    }
    let mut manifest = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n  mapRoles: |\n",
    );
    for line in roles.lines() {
        manifest.push_str("    ");
        manifest.push_str(line);
        manifest.push('\n');
    }
    manifest
}

#[cfg(test)]
mod tests {
    #[test]
    fn size_is_close_to_the_target() {
        let text = super::large_configmap(64 * 1024);
        let data = text.split("mapRoles: |\n").nth(1).unwrap();
        assert!(
            data.len() > 60 * 1024 && data.len() < 90 * 1024,
            "{}",
            data.len()
        );
    }
}
