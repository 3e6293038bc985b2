//! `aws-auth` as the EKS authenticator reads it: the three data keys, each decoded the way
//! `ParseMap` decodes it, then matched and rendered the way the ConfigMap backend does.

pub mod common_shape;
pub mod decode;
pub mod document;
pub mod documents;
pub mod json_value;
pub mod lookup;
pub mod model;
pub mod parse_map;
pub mod place;
pub mod template;
pub mod validate;

pub use model::{
    AccountEntry, DuplicateKey, Entry, KeyObservation, RoleMapping, Row, Section, SectionFailure,
    SectionKey, SsoMatcher, TypeMismatch, UserMapping,
};
pub use parse_map::{
    SectionBudgetError, is_skippable, parse_section, parse_section_full_path, store_key,
};
pub use place::{Field, Place};
