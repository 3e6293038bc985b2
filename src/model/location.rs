//! Where a finding points: a symbolic route into the configuration, resolved to a file
//! position when there is a file. Routes into aws-auth are built by
//! [`crate::model::awsauth::document::AwsAuthDocument::locate`], the one resolver.

use serde::{Deserialize, Serialize};

/// A route, and the file position it resolves to (line 0 when there is no file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Location {
    pub route: String,
    pub path: String,
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// A place in the cluster with no place in a file: `cluster ARN › caller`.
    pub fn in_cluster(cluster: &str, part: &str) -> Location {
        Location {
            route: format!("cluster {cluster} › {part}"),
            ..Location::default()
        }
    }

    /// Whether the finding points into a file (line and column known).
    pub fn in_file(&self) -> bool {
        self.line > 0 && !self.path.is_empty()
    }

    /// `path:line:column`, or the route when there is no file position.
    pub fn display(&self) -> String {
        if self.in_file() {
            format!("{}:{}:{}", self.path, self.line, self.column)
        } else {
            self.route.clone()
        }
    }
}
