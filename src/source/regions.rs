//! The regions of an account, from the Account Management API: which a fleet scan's
//! `--regions all` reads, and which it skips because the account has not enabled them.

use super::aws::AwsSession;

/// The regions of an account (Account ListRegions, every page): the enabled ones, and the
/// others with their status (an opt-in region not enabled, or one being enabled or disabled).
pub async fn account_regions(
    session: &AwsSession,
) -> Result<(Vec<String>, Vec<(String, String)>), super::aws::AwsFailure> {
    let client = session.account_api();
    let mut enabled = Vec::new();
    let mut other = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_regions()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| super::aws::classify("Account ListRegions", &e))?;
        for region in page.regions() {
            let Some(name) = region.region_name() else {
                continue;
            };
            let status = region.region_opt_status().map_or("unknown", |s| s.as_str());
            match status {
                "ENABLED" | "ENABLED_BY_DEFAULT" => enabled.push(name.to_string()),
                other_status => other.push((name.to_string(), other_status.to_string())),
            }
        }
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    enabled.sort();
    other.sort();
    Ok((enabled, other))
}
