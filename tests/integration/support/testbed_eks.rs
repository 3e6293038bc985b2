//! The test bed's EKS routes (REST-JSON, as the SDK calls them): the cluster, access entries
//! and their policies, the offered access policies, updates, node groups, Fargate profiles,
//! CloudTrail's LookupEvents and Account's ListRegions; faults, latency and enforcement of the
//! scenario's allowed actions.

use super::*;

/// The access-entry routes: ListAccessEntries, DescribeAccessEntry,
/// ListAssociatedAccessPolicies, as the SDK calls them (REST-JSON, label-encoded ARNs).
pub(super) fn access_entry_route(
    state: &State,
    cluster: &ClusterSpec,
    rest: &[&str],
    query: &str,
) -> (u16, Value, Option<&'static str>) {
    let operation = match rest {
        [] => "ListAccessEntries",
        [_] => "DescribeAccessEntry",
        [_, "access-policies"] => "ListAssociatedAccessPolicies",
        _ => "Unknown",
    };
    if cluster.authentication_mode.as_deref() == Some("CONFIG_MAP") {
        return (
            400,
            json!({"message": "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation."}),
            Some("InvalidRequestException"),
        );
    }
    // A fault for one principal (`DescribeAccessEntry ARN`), else for the operation.
    let one = rest
        .first()
        .map(|p| format!("{operation} {}", percent_decode(p)))
        .unwrap_or_default();
    let (key, fault) = match cluster.eks_faults.get(&one) {
        Some(fault) => (one.clone(), Some(fault)),
        None => (operation.to_string(), cluster.eks_faults.get(operation)),
    };
    if let Some(fault) = fault
        && fault_applies(state, format!("{}/{key}", cluster.name), fault)
    {
        let kind = fault.code.clone().unwrap_or_else(|| {
            match fault.status {
                429 => "ThrottlingException",
                403 => "AccessDeniedException",
                _ => "ServerException",
            }
            .to_string()
        });
        return (
            fault.status,
            json!({"message": format!("injected {} {kind}", fault.status)}),
            // A test server: the few codes a scenario names live as long as the process.
            Some(Box::leak(kind.into_boxed_str())),
        );
    }
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| percent_decode(v))
    };
    let arn_of = |e: &Value| e["principalArn"].as_str().unwrap_or_default().to_string();
    match rest {
        [] => {
            let max: usize = param("maxResults")
                .and_then(|m| m.parse().ok())
                .unwrap_or(100);
            let start: usize = param("nextToken").and_then(|t| t.parse().ok()).unwrap_or(0);
            let arns: Vec<String> = cluster.access_entries.iter().map(arn_of).collect();
            let end = (start + max).min(arns.len());
            let mut body = json!({"accessEntries": &arns[start.min(end)..end]});
            if end < arns.len() {
                body["nextToken"] = json!(end.to_string());
            }
            (200, body, None)
        }
        [principal, tail @ ..] => {
            let principal = percent_decode(principal);
            let Some(entry) = cluster
                .access_entries
                .iter()
                .find(|e| arn_of(e) == principal)
            else {
                return (
                    404,
                    json!({"message": format!("The specified access entry resource is not found: {principal}")}),
                    Some("ResourceNotFoundException"),
                );
            };
            if tail.is_empty() {
                let mut described = entry.clone();
                described.as_object_mut().unwrap().remove("policies");
                described["clusterName"] = json!(cluster.name);
                if described.get("createdAt").is_none() {
                    described["createdAt"] = json!(1_767_225_600.0 + 86_400.0);
                }
                described["modifiedAt"] = described["createdAt"].clone();
                if described.get("type").is_none() {
                    described["type"] = json!("STANDARD");
                }
                (200, json!({"accessEntry": described}), None)
            } else {
                let policies: Vec<Value> = entry["policies"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|mut p| {
                        p["associatedAt"] = json!(1_767_225_600.0);
                        p["modifiedAt"] = json!(1_767_225_600.0);
                        p
                    })
                    .collect();
                (
                    200,
                    json!({"clusterName": cluster.name, "principalArn": principal, "associatedAccessPolicies": policies}),
                    None,
                )
            }
        }
    }
}

/// What ListAccessPolicies answers: the AWS-managed access policies a 2026 cluster offered,
/// plus one this tool's table does not know (`AmazonEKSFuturePolicy`).
pub(super) const ACCESS_POLICIES: &[&str] = &[
    "AIDevOpsAgentAccessPolicy",
    "AmazonAIOpsAssistantPolicy",
    "AmazonARCRegionSwitchScalingPolicy",
    "AmazonEKSACKPolicy",
    "AmazonEKSAdminPolicy",
    "AmazonEKSAdminViewPolicy",
    "AmazonEKSArgoCDClusterPolicy",
    "AmazonEKSArgoCDPolicy",
    "AmazonEKSAutoNodePolicy",
    "AmazonEKSBlockStorageClusterPolicy",
    "AmazonEKSBlockStoragePolicy",
    "AmazonEKSClusterAdminPolicy",
    "AmazonEKSComputeClusterPolicy",
    "AmazonEKSComputePolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSEventPolicy",
    "AmazonEKSHybridPolicy",
    "AmazonEKSKROPolicy",
    "AmazonEKSLoadBalancingClusterPolicy",
    "AmazonEKSLoadBalancingPolicy",
    "AmazonEKSNetworkingClusterPolicy",
    "AmazonEKSNetworkingPolicy",
    "AmazonEKSPodIdentityPolicy",
    "AmazonEKSSecretAdminPolicy",
    "AmazonEKSSecretReaderPolicy",
    "AmazonEKSViewPolicy",
    "AmazonEMRJobPolicy",
    "AmazonSagemakerHyperpodClusterPolicy",
    "AmazonSagemakerHyperpodControllerPolicy",
    "AmazonSagemakerHyperpodSpacePolicy",
    "AmazonSagemakerHyperpodSpaceTemplatePolicy",
    "AmazonSagemakerHyperpodSystemNamespacePolicy",
    "AmazonSagemakerHyperpodInferenceMonitoringPolicy",
    "AmazonSagemakerHyperpodUserClusterPolicy",
    "AmazonEKSFuturePolicy",
];

/// ListUpdates / DescribeUpdate for the scenario's updates (a fault named `ListUpdates` or
/// `DescribeUpdate` applies).
pub(super) fn update_route(
    state: &State,
    cluster: &ClusterSpec,
    rest: &[&str],
) -> (u16, Value, Option<&'static str>) {
    let operation = if rest.is_empty() {
        "ListUpdates"
    } else {
        "DescribeUpdate"
    };
    if let Some(fault) = cluster.eks_faults.get(operation)
        && fault_applies(state, format!("{}/{operation}", cluster.name), fault)
    {
        let kind = if fault.status == 403 {
            "AccessDeniedException"
        } else {
            "ServerException"
        };
        return (
            fault.status,
            json!({"message": format!("injected {}", fault.status)}),
            Some(kind),
        );
    }
    match rest {
        [] => {
            let ids: Vec<&Value> = cluster.updates.iter().map(|u| &u["id"]).collect();
            (200, json!({"updateIds": ids}), None)
        }
        [id] => match cluster.updates.iter().find(|u| u["id"] == *id) {
            Some(update) => {
                let mut params = Vec::new();
                if let Some(mode) = update.get("mode") {
                    params.push(json!({"type": "AuthenticationMode", "value": mode}));
                }
                (
                    200,
                    json!({"update": {
                        "id": update["id"],
                        "status": update.get("status").cloned().unwrap_or(json!("Successful")),
                        "type": update.get("type").cloned().unwrap_or(json!("AccessConfigUpdate")),
                        "params": params,
                        "createdAt": update["createdAt"],
                        "errors": [],
                    }}),
                    None,
                )
            }
            None => (
                404,
                json!({"message": format!("No update found for id: {id}.")}),
                Some("ResourceNotFoundException"),
            ),
        },
        _ => (
            404,
            json!({"message": "unknown route"}),
            Some("NotFoundException"),
        ),
    }
}

/// CloudTrail LookupEvents (JSON 1.1): the EKS events of the clusters of the caller's account
/// and region (their `CreateCluster` events, for those with a creator, and their `trail`),
/// newest first, within the request's `StartTime`–`EndTime`, 50 a page (`NextToken` is the
/// offset). A cluster's fault applies to the call,
/// from its `cloudtrail_fault_from_page` on.
pub(super) fn lookup_events(
    state: &State,
    account: Option<&str>,
    region: Option<&str>,
    request: &Value,
) -> (u16, Value, Option<&'static str>) {
    if let Some(rate) = state.scenario.cloudtrail_rate {
        let key = format!("{}/{}", account.unwrap_or("-"), region.unwrap_or("-"));
        let now = std::time::Instant::now();
        let mut calls = state.cloudtrail_calls.lock().unwrap();
        let recent = calls.entry(key).or_default();
        recent.retain(|at| now.duration_since(*at) < Duration::from_secs(1));
        if recent.len() >= rate {
            return (
                400,
                json!({"__type": "ThrottlingException", "message": "Rate exceeded"}),
                Some("ThrottlingException"),
            );
        }
        recent.push(now);
    }
    let offset: usize = request["NextToken"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let page = offset / 50 + 1;
    let mine = |c: &&ClusterSpec| {
        account.is_none_or(|a| a == c.account) && region.is_none_or(|r| r == c.region)
    };
    if let Some(fault) = state
        .scenario
        .clusters
        .iter()
        .filter(mine)
        .find_map(|c| c.cloudtrail_fault.as_ref().map(|f| (c, f)))
        .filter(|(c, _)| c.cloudtrail_fault_from_page.is_none_or(|from| page >= from))
        .and_then(|(c, f)| fault_applies(state, format!("{}/LookupEvents", c.name), f).then_some(f))
    {
        let kind = if fault.status == 403 {
            "AccessDeniedException"
        } else {
            "ThrottlingException"
        };
        return (
            fault.status,
            json!({"__type": kind, "message": format!("injected {}", fault.status)}),
            Some(kind),
        );
    }
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let mut events: Vec<Value> = Vec::new();
    for c in state.scenario.clusters.iter().filter(mine) {
        if let Some(identity) = c.creator_identity.clone() {
            let detail = json!({
                "eventVersion": "1.09", "eventSource": "eks.amazonaws.com", "eventName": "CreateCluster",
                "userIdentity": identity,
                "requestParameters": {"name": c.name, "accessConfig": {
                    "authenticationMode": c.authentication_mode.as_deref().unwrap_or("API_AND_CONFIG_MAP"),
                    "bootstrapClusterCreatorAdminPermissions": c.bootstrap_creator_admin.unwrap_or(true)}},
            });
            let time = c
                .created_days_ago
                .map_or(1_767_225_600.0, |days| now - (days * 86_400) as f64);
            events.push(
                json!({"EventId": format!("event-{}", c.name), "EventName": "CreateCluster",
                               "EventTime": time, "CloudTrailEvent": detail.to_string()}),
            );
        }
        for (i, spec) in c.trail.iter().enumerate() {
            let mut detail = spec.clone();
            let days = detail
                .as_object_mut()
                .and_then(|o| o.remove("daysAgo"))
                .and_then(|d| d.as_f64())
                .unwrap_or(1.0);
            detail["eventVersion"] = json!("1.09");
            detail["eventSource"] = json!("eks.amazonaws.com");
            if detail["requestParameters"]["name"].is_null() {
                detail["requestParameters"]["name"] = json!(c.name);
            }
            events.push(json!({"EventId": format!("event-{}-{i}", c.name), "EventName": detail["eventName"],
                               "EventTime": now - days * 86_400.0, "CloudTrailEvent": detail.to_string()}));
        }
    }
    // The request's window, as CloudTrail applies it.
    let (from, to) = (
        request["StartTime"].as_f64().unwrap_or(f64::MIN),
        request["EndTime"].as_f64().unwrap_or(f64::MAX),
    );
    events.retain(|e| {
        let at = e["EventTime"].as_f64().unwrap_or(0.0);
        from <= at && at <= to
    });
    events.sort_by(|a, b| {
        b["EventTime"]
            .as_f64()
            .partial_cmp(&a["EventTime"].as_f64())
            .unwrap()
    });
    let end = (offset + 50).min(events.len());
    let mut body = json!({"Events": &events[offset.min(end)..end]});
    if end < events.len() {
        body["NextToken"] = json!(end.to_string());
    }
    (200, body, None)
}

pub(super) async fn eks_route(
    req: Request<Incoming>,
    state: Arc<State>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if let Some(allowed) = &state.scenario.allowed_actions {
        let action = aws_action(&target, req.uri().path());
        let service = action.split(':').next().unwrap_or_default();
        let permitted = allowed
            .iter()
            .any(|a| *a == action || *a == format!("{service}:*"));
        if !permitted {
            let caller = signer(&state, &req);
            let message = format!(
                "User: {} is not authorized to perform: {action}",
                caller.as_deref().unwrap_or("unknown")
            );
            record(&state, "denied", "POST", &action, 403, caller);
            return Ok(respond(
                403,
                json!({"message": message}),
                &[("x-amzn-errortype", "AccessDeniedException")],
            ));
        }
    }
    if target.ends_with(".LookupEvents") {
        let caller = signer(&state, &req);
        let region = signed_region(&req);
        let request: Value = {
            use http_body_util::BodyExt;
            let bytes = req
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        let account = account_of(caller.as_deref()).map(str::to_string);
        let (status, body, error_type) =
            lookup_events(&state, account.as_deref(), region.as_deref(), &request);
        record(&state, "cloudtrail", "POST", "LookupEvents", status, caller);
        let headers: Vec<(&str, &str)> = error_type
            .map(|t| vec![("x-amzn-errortype", t)])
            .unwrap_or_default();
        return Ok(respond(status, body, &headers));
    }
    let caller = signer(&state, &req);
    // Account ListRegions: the regions of the account whose credentials signed.
    if req.uri().path() == "/listRegions" {
        let regions: Vec<Value> = account_of(caller.as_deref())
            .and_then(|account| state.scenario.regions.get(account))
            .into_iter()
            .flatten()
            .map(|(name, status)| json!({"RegionName": name, "RegionOptStatus": status}))
            .collect();
        record(&state, "account", "POST", "ListRegions", 200, caller);
        return Ok(respond(200, json!({"Regions": regions}), &[]));
    }
    let query = req.uri().query().unwrap_or("").to_string();
    let path = req.uri().path().to_string();
    let method = req.method().to_string();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let region = signed_region(&req);
    let visible = |c: &ClusterSpec| {
        !c.own_account_only
            || (account_of(caller.as_deref()) == Some(c.account.as_str())
                && region.as_deref() == Some(c.region.as_str()))
    };
    // A cluster of another account (or region) does not exist for this caller.
    if let ["clusters", name, ..] = segments.as_slice()
        && let Some(cluster) = state.scenario.clusters.iter().find(|c| c.name == *name)
        && !visible(cluster)
    {
        record(&state, "eks", &method, &path, 404, caller);
        return Ok(respond(
            404,
            json!({"message": format!("No cluster found for name: {name}.")}),
            &[("x-amzn-errortype", "ResourceNotFoundException")],
        ));
    }
    if let ["clusters", name, ..] = segments.as_slice()
        && let Some(cluster) = state.scenario.clusters.iter().find(|c| c.name == *name)
        && cluster.eks_latency_ms > 0
    {
        tokio::time::sleep(Duration::from_millis(cluster.eks_latency_ms)).await;
    }
    // A `hang` fault on ListAccessEntries: the request is accepted and never answered.
    if let ["clusters", name, "access-entries"] = segments.as_slice()
        && let Some(cluster) = state.scenario.clusters.iter().find(|c| c.name == *name)
        && cluster
            .eks_faults
            .get("ListAccessEntries")
            .is_some_and(|f| f.hang)
    {
        record(&state, "eks", &method, &path, 0, None);
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    let (status, body, error_type) = match (method.as_str(), segments.as_slice()) {
        ("GET", ["clusters"]) => {
            let fault = region
                .as_ref()
                .and_then(|r| state.scenario.list_clusters_faults.get(r));
            match fault {
                Some(fault)
                    if fault_applies(
                        &state,
                        format!("ListClusters/{}", region.clone().unwrap_or_default()),
                        fault,
                    ) =>
                {
                    let kind = if fault.status == 429 {
                        "ThrottlingException"
                    } else if fault.status == 403 {
                        "AccessDeniedException"
                    } else {
                        "ServerException"
                    };
                    (
                        fault.status,
                        json!({"message": format!("injected {}", fault.status)}),
                        Some(kind),
                    )
                }
                _ => {
                    let names: Vec<&str> = state
                        .scenario
                        .clusters
                        .iter()
                        .filter(|c| visible(c))
                        .map(|c| c.name.as_str())
                        .collect();
                    (200, json!({"clusters": names}), None)
                }
            }
        }
        ("GET", ["access-policies"]) => {
            let policies: Vec<Value> = ACCESS_POLICIES
                .iter()
                .map(|name| json!({"name": name, "arn": format!("arn:aws:eks::aws:cluster-access-policy/{name}")}))
                .collect();
            (200, json!({"accessPolicies": policies}), None)
        }
        ("GET", ["clusters", name, "updates", rest @ ..]) => {
            match state.scenario.clusters.iter().find(|c| c.name == *name) {
                Some(cluster) => update_route(&state, cluster, rest),
                None => (
                    404,
                    json!({"message": format!("No cluster found for name: {name}.")}),
                    Some("ResourceNotFoundException"),
                ),
            }
        }
        ("GET", ["clusters", name, "access-entries", rest @ ..]) => {
            match state.scenario.clusters.iter().find(|c| c.name == *name) {
                Some(cluster) => access_entry_route(&state, cluster, rest, &query),
                None => (
                    404,
                    json!({"message": format!("No cluster found for name: {name}.")}),
                    Some("ResourceNotFoundException"),
                ),
            }
        }
        (
            "GET",
            [
                "clusters",
                name,
                kind @ ("node-groups" | "fargate-profiles"),
                rest @ ..,
            ],
        ) => {
            let Some(cluster) = state.scenario.clusters.iter().find(|c| c.name == *name) else {
                return Ok(respond(
                    404,
                    json!({"message": "no cluster"}),
                    &[("x-amzn-errortype", "ResourceNotFoundException")],
                ));
            };
            let (items, name_key, list_key, one_key) = if *kind == "node-groups" {
                (
                    &cluster.nodegroups,
                    "nodegroupName",
                    "nodegroups",
                    "nodegroup",
                )
            } else {
                (
                    &cluster.fargate_profiles,
                    "fargateProfileName",
                    "fargateProfileNames",
                    "fargateProfile",
                )
            };
            match rest {
                [] => {
                    let names: Vec<&Value> = items.iter().map(|i| &i[name_key]).collect();
                    (200, json!({list_key: names}), None)
                }
                [item] => match items.iter().find(|i| i[name_key] == *item) {
                    Some(found) => {
                        let mut found = found.clone();
                        found["clusterName"] = json!(cluster.name);
                        (200, json!({one_key: found}), None)
                    }
                    None => (
                        404,
                        json!({"message": "not found"}),
                        Some("ResourceNotFoundException"),
                    ),
                },
                _ => (
                    404,
                    json!({"message": "unknown route"}),
                    Some("NotFoundException"),
                ),
            }
        }
        ("GET", ["clusters", name]) => {
            match state.scenario.clusters.iter().find(|c| c.name == *name) {
                Some(c) => (
                    200,
                    json!({"cluster": {
                        "name": c.name,
                        "arn": format!("arn:aws:eks:{}:{}:cluster/{}", c.region, c.account, c.name),
                        "createdAt": c.created_days_ago.map_or(1_767_225_600.0, |days| {
                            (SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() - days * 86_400) as f64
                        }),
                        "version": c.version,
                        "endpoint": format!("{}/k8s/{}", state.k8s_url, c.name),
                        "roleArn": format!("arn:aws:iam::{}:role/eks-cluster-role", c.account),
                        "status": "ACTIVE",
                        "platformVersion": "eks.10",
                        "certificateAuthority": {"data": STANDARD.encode(if c.wrong_ca { &state.other_ca_pem } else { &state.ca_pem })},
                        "accessConfig": {"authenticationMode": c.authentication_mode.as_deref().unwrap_or("API_AND_CONFIG_MAP"), "bootstrapClusterCreatorAdminPermissions": c.bootstrap_creator_admin.unwrap_or(true)},
                        "tags": c.tags,
                        "logging": c.audit_log.map(|on| json!({"clusterLogging": [
                            {"types": ["audit"], "enabled": on},
                            {"types": ["api", "authenticator", "controllerManager", "scheduler"], "enabled": false}]})),
                    }}),
                    None,
                ),
                None => (
                    404,
                    json!({"message": format!("No cluster found for name: {name}.")}),
                    Some("ResourceNotFoundException"),
                ),
            }
        }
        _ => (
            404,
            json!({"message": "unknown route"}),
            Some("NotFoundException"),
        ),
    };
    let recorded = if query.is_empty() {
        path.clone()
    } else {
        format!("{path}?{query}")
    };
    record(&state, "eks", &method, &recorded, status, caller);
    let headers: Vec<(&str, &str)> = error_type
        .map(|t| vec![("x-amzn-errortype", t)])
        .unwrap_or_default();
    Ok(respond(status, body, &headers))
}
