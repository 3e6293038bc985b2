//! A live audit's collection: everything read from the cluster and IAM, in one [`Snapshot`].

use super::kube::{Connection, Patience, Reader};
use super::token::CredentialOptions;
use crate::snapshot::{
    AwsAuthObject, ClusterInfo, Fetched, IamEvidence, SNAPSHOT_KIND, SNAPSHOT_VERSION, Snapshot,
    Transport, UnknownReason,
};

/// Resolves the IAM principals the aws-auth read names (nothing to resolve when it could not
/// be read: IAM is then unknown for the same reason).
async fn resolve_iam(
    aws_auth: &Fetched<AwsAuthObject>,
    iam: Option<&CredentialOptions>,
) -> Fetched<IamEvidence> {
    let Some(options) = iam else {
        return Fetched::unknown(UnknownReason::Skipped, "IAM resolution skipped (--no-iam)");
    };
    let wanted = match aws_auth {
        Fetched::Found(object) => {
            let text = crate::live::configmap_yaml(&object.data);
            match crate::check::check(&[crate::check::InputFile {
                path: "aws-auth".into(),
                bytes: text.into_bytes(),
            }]) {
                Ok(result) => result
                    .documents
                    .first()
                    .map(crate::iam::wanted_by)
                    .unwrap_or_default(),
                Err(_) => Default::default(),
            }
        }
        Fetched::Absent => Default::default(),
        Fetched::Unknown(unknown) => return Fetched::Unknown(unknown.clone()),
    };
    let sso = wanted
        .iter()
        .any(|w| crate::iam::sso_role_parts(&w.name).is_some());
    Fetched::Found(super::iam::resolve(&wanted, options, sso).await)
}

/// Reads aws-auth, the caller's identity and the four RBAC lists, all in flight together;
/// resolves in IAM what aws-auth names (unless `iam` is `None`); and returns them with every
/// call that failed.
pub async fn collect(
    connection: &Connection,
    cluster: ClusterInfo,
    transport: Transport,
    patience: Patience,
    iam: Option<&CredentialOptions>,
    collected_at: String,
) -> Snapshot {
    let reader = Reader::new(connection, patience);
    let ((aws_auth, iam), caller, rbac) = tokio::join!(
        async {
            let aws_auth = reader.aws_auth().await;
            let iam = resolve_iam(&aws_auth, iam).await;
            (aws_auth, iam)
        },
        reader.caller(),
        reader.rbac()
    );
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
        iam,
        issues: reader.into_issues(),
    }
}
