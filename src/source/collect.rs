//! A live audit's collection: everything read from the cluster, in one [`Snapshot`].

use super::kube::{Connection, Patience, Reader};
use crate::snapshot::{ClusterInfo, SNAPSHOT_KIND, SNAPSHOT_VERSION, Snapshot, Transport};

/// Reads aws-auth, the caller's identity and the four RBAC lists, all in flight together,
/// and returns them with every call that failed.
pub async fn collect(
    connection: &Connection,
    cluster: ClusterInfo,
    transport: Transport,
    patience: Patience,
    collected_at: String,
) -> Snapshot {
    let reader = Reader::new(connection, patience);
    let (aws_auth, caller, rbac) = tokio::join!(reader.aws_auth(), reader.caller(), reader.rbac());
    Snapshot {
        kind: SNAPSHOT_KIND.to_string(),
        version: SNAPSHOT_VERSION,
        collected_by: format!("aws-auth-audit {}", env!("CARGO_PKG_VERSION")),
        collected_at,
        cluster,
        transport,
        aws_auth,
        caller,
        rbac,
        issues: reader.into_issues(),
    }
}
