//! The `kube-system/aws-auth` documents in a set of inputs: each input decoded, its ConfigMaps
//! read, the one EKS reads chosen (another namespace or name is a note), sized as the API
//! server sizes it, and parsed as the authenticator parses it.

use super::document::AwsAuthDocument;
use crate::inputs::manifest::{
    CheckError, ConfigMapDoc, InputFile, MAX_CONFIGMAP_DATA_BYTES, decode_text, read_configmaps,
};

fn error(path: &str, line: usize, column: usize, message: impl Into<String>) -> CheckError {
    CheckError {
        path: path.to_string(),
        line,
        column,
        message: message.into(),
    }
}

fn select_aws_auth<'a>(
    path: &str,
    configmaps: &'a [ConfigMapDoc],
    notes: &mut Vec<String>,
) -> Result<Option<&'a ConfigMapDoc>, CheckError> {
    let mut chosen: Option<&ConfigMapDoc> = None;
    for cm in configmaps {
        if !cm.is_aws_auth() {
            let why = match holds_aws_auth_keys(cm) {
                true => "holds aws-auth's keys but is not kube-system/aws-auth: EKS never reads it",
                false => "is not kube-system/aws-auth: not judged",
            };
            notes.push(format!(
                "{path}:{}: ConfigMap {} {why}",
                cm.pos.line,
                cm.display_name()
            ));
            continue;
        }
        if let Some(first) = chosen {
            return Err(error(
                path,
                cm.pos.line,
                cm.pos.column,
                format!(
                    "a second kube-system/aws-auth ConfigMap (the first is at line {}): which one would be applied is ambiguous",
                    first.pos.line
                ),
            ));
        }
        chosen = Some(cm);
    }
    Ok(chosen)
}

/// Whether a ConfigMap holds any of aws-auth's sections (`mapRoles`, `mapUsers`,
/// `mapAccounts`).
fn holds_aws_auth_keys(cm: &ConfigMapDoc) -> bool {
    cm.data
        .iter()
        .any(|item| matches!(item.key.as_str(), "mapRoles" | "mapUsers" | "mapAccounts"))
}

/// Every `kube-system/aws-auth` in the inputs (and every ConfigMap that holds aws-auth's keys
/// in a file without one), parsed, with the notes reading them gave.
pub fn read_documents(
    inputs: &[InputFile],
) -> Result<(Vec<AwsAuthDocument>, Vec<String>), CheckError> {
    let mut documents = Vec::new();
    let mut notes = Vec::new();
    for input in inputs {
        let path = input.path.as_str();
        let text =
            decode_text(&input.bytes).map_err(|e| error(path, e.line, e.column, e.message))?;
        let parsed =
            read_configmaps(text).map_err(|e| error(path, e.pos.line, e.pos.column, e.message))?;
        for (kind, pos) in &parsed.other_objects {
            notes.push(format!("{path}:{}: a {kind} object: not judged", pos.line));
        }
        if parsed.configmaps.is_empty() {
            return Err(error(path, 1, 1, "no ConfigMap in this input"));
        }
        let Some(cm) = select_aws_auth(path, &parsed.configmaps, &mut notes)? else {
            notes.push(format!("{path}: no kube-system/aws-auth ConfigMap"));
            // One that holds aws-auth's keys elsewhere grants nothing, though its author
            // believes it does: judged (by EA125 alone), not an input error.
            for cm in parsed
                .configmaps
                .iter()
                .filter(|cm| holds_aws_auth_keys(cm))
            {
                let doc = AwsAuthDocument::misplaced(path, cm)
                    .map_err(|e| error(path, e.line, e.column, e.to_string()))?;
                documents.push(doc);
            }
            continue;
        };
        if cm.data_bytes > MAX_CONFIGMAP_DATA_BYTES {
            return Err(error(
                path,
                cm.pos.line,
                cm.pos.column,
                format!(
                    "ConfigMap data is {} bytes, over the 1 MiB ({MAX_CONFIGMAP_DATA_BYTES} bytes) the API server accepts",
                    cm.data_bytes
                ),
            ));
        }
        if cm.namespace.is_none() {
            notes.push(format!(
                "{path}:{}: aws-auth has no namespace; judged as kube-system/aws-auth",
                cm.pos.line
            ));
        }
        let doc = AwsAuthDocument::from_configmap(path, cm)
            .map_err(|e| error(path, e.line, e.column, e.to_string()))?;
        documents.push(doc);
    }
    if documents.is_empty() {
        let path = inputs.first().map_or("-", |i| i.path.as_str());
        return Err(error(
            path,
            1,
            1,
            "no kube-system/aws-auth ConfigMap in the inputs",
        ));
    }
    Ok((documents, notes))
}
