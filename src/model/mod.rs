//! What EKS makes of the evidence: aws-auth parsed and matched as the authenticator does,
//! ARNs, IAM facts (trust policies, principals to look up), what RBAC grants a group, the
//! managed access policies and privileged groups, and the access matrix that merges them
//! under the authentication mode. Pure.

pub mod access;
pub mod arn;
pub mod awsauth;
pub mod capability;
pub mod iam;
pub mod iam_condition;
pub mod iam_eval;
pub mod latent;
pub mod location;
pub mod policies;
pub mod rbac;
