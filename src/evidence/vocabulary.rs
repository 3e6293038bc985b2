//! The words EKS and the audit use as values: the authentication mode, an access entry's type,
//! an access policy's scope, where the creator's name came from. Each is a closed set with a
//! fallback that keeps a value EKS adds later exactly as EKS spelled it, so comparisons are on
//! types and the JSON written and read stays the same strings.

/// A vocabulary of strings with a fallback: `as_str`, `Display`, and serde as the string.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this release does not know, kept as spelled.
            Other(String),
        }

        impl $name {
            /// The value as EKS (or the snapshot) spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Other(text) => text,
                }
            }

            /// The word for `text`; anything else is kept as [`Self::Other`].
            pub fn parse(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)*
                    other => Self::Other(other.to_string()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self::parse(text)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        /// A string: one of the known values, or any other kept as spelled.
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "description": "One of the values this release knows (see examples); a value EKS adds later is kept as EKS spells it.",
                    "examples": [$($text),*],
                })
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::parse(&text))
            }
        }
    };
}

vocabulary! {
    /// The cluster's `accessConfig.authenticationMode`.
    AuthenticationMode {
        /// aws-auth only; the creator holds an invisible `system:masters`.
        ConfigMap = "CONFIG_MAP",
        /// Access entries first, then aws-auth.
        ApiAndConfigMap = "API_AND_CONFIG_MAP",
        /// Access entries only; aws-auth is ignored.
        Api = "API",
    }
}

impl AccessEntryType {
    /// Whether the entry is a node's: EKS gives its principal the node identity
    /// (`system:nodes`), and it takes no access policy.
    pub fn is_node(&self) -> bool {
        matches!(
            self,
            AccessEntryType::Ec2Linux
                | AccessEntryType::Ec2Windows
                | AccessEntryType::FargateLinux
                | AccessEntryType::HybridLinux
                | AccessEntryType::HyperpodLinux
                | AccessEntryType::Ec2
        )
    }
}

impl AuthenticationMode {
    /// Whether EKS reads access entries under this mode.
    pub fn uses_access_entries(&self) -> bool {
        matches!(
            self,
            AuthenticationMode::Api | AuthenticationMode::ApiAndConfigMap
        )
    }
}

vocabulary! {
    /// An access entry's `type`.
    AccessEntryType {
        Standard = "STANDARD",
        Ec2Linux = "EC2_LINUX",
        Ec2Windows = "EC2_WINDOWS",
        FargateLinux = "FARGATE_LINUX",
        HybridLinux = "HYBRID_LINUX",
        HyperpodLinux = "HYPERPOD_LINUX",
        Ec2 = "EC2",
        /// An entry that could not be described: its type is not known.
        Unknown = "UNKNOWN",
    }
}

vocabulary! {
    /// Where an associated access policy applies.
    ScopeKind {
        Cluster = "cluster",
        Namespace = "namespace",
    }
}

vocabulary! {
    /// Who named the cluster's creator.
    CreatorSource {
        /// The `CreateCluster` event in CloudTrail.
        CloudTrail = "cloudtrail",
        /// The user, with `--creator`.
        User = "user",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_words_and_new_ones_round_trip_as_the_same_strings() {
        for text in ["CONFIG_MAP", "API_AND_CONFIG_MAP", "API", "API_V2"] {
            let mode: AuthenticationMode = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(serde_json::to_string(&mode).unwrap(), format!("\"{text}\""));
            assert_eq!(mode.as_str(), text);
        }
        assert_eq!(AuthenticationMode::parse("API"), AuthenticationMode::Api);
        assert_eq!(
            AuthenticationMode::parse("API_V2"),
            AuthenticationMode::Other("API_V2".into())
        );
        assert!(AuthenticationMode::ApiAndConfigMap.uses_access_entries());
        assert!(!AuthenticationMode::ConfigMap.uses_access_entries());
        assert_eq!(
            AccessEntryType::parse("EC2_LINUX"),
            AccessEntryType::Ec2Linux
        );
        assert_eq!(ScopeKind::parse("namespace"), ScopeKind::Namespace);
        assert_eq!(CreatorSource::parse("cloudtrail").to_string(), "cloudtrail");
    }
}
