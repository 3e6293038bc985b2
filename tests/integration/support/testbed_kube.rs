//! The test bed's Kubernetes API (HTTPS): aws-auth, SelfSubjectReview, RBAC lists page by
//! page, every request authenticated by its bearer token and authorised as the scenario says.

use super::*;

pub(super) fn status_body(code: u16, reason: &str, message: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code})
}

pub(super) async fn k8s_route(
    req: Request<Incoming>,
    state: Arc<State>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let audit_id = format!("audit-{:06}", state.log.lock().unwrap().len() + 1);
    let response = k8s_answer(req, state).await?;
    let mut response = response;
    response
        .headers_mut()
        .insert("audit-id", audit_id.parse().unwrap());
    Ok(response)
}

/// Whether the next request for `key` gets the injected fault.
pub(super) fn fault_applies(state: &State, key: String, fault: &Fault) -> bool {
    let mut counts = state.fault_counts.lock().unwrap();
    let count = counts.entry(key).or_insert(0);
    *count += 1;
    fault.hang || fault.times.is_none_or(|t| *count <= t)
}

pub(super) fn fault_reason(status: u16) -> &'static str {
    match status {
        401 => "Unauthorized",
        403 => "Forbidden",
        429 => "TooManyRequests",
        _ => "InternalError",
    }
}

/// One page of a list: `limit` items from the offset the `continue` token names.
pub(super) fn list_page(kind: &str, items: &[Value], query: &str) -> Value {
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    let limit = param("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let start = param("continue")
        .and_then(|c| {
            percent_decode(&c)
                .strip_prefix("offset=")
                .map(str::to_string)
        })
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0)
        .min(items.len());
    let end = start.saturating_add(limit).min(items.len());
    let mut metadata = json!({"resourceVersion": "2001"});
    if end < items.len() {
        // Opaque to the client, with characters it must encode when it sends the token back.
        metadata["continue"] = json!(format!("offset={end}"));
    }
    json!({"kind": kind, "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": metadata, "items": &items[start..end]})
}

pub(super) async fn k8s_answer(
    req: Request<Incoming>,
    state: Arc<State>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let query = req.uri().query().unwrap_or("").to_string();
    let full_path = req.uri().to_string();
    let path = req.uri().path().to_string();
    let method = req.method().to_string();
    let Some(rest) = path.strip_prefix("/k8s/") else {
        record(&state, "k8s", &method, &full_path, 404, None);
        return Ok(respond(
            404,
            status_body(404, "NotFound", "no such cluster"),
            &[],
        ));
    };
    let (cluster_name, resource) = rest.split_once('/').map_or((rest, ""), |(c, r)| (c, r));
    let Some(cluster) = state
        .scenario
        .clusters
        .iter()
        .find(|c| c.name == cluster_name)
        .cloned()
    else {
        record(&state, "k8s", &method, &full_path, 404, None);
        return Ok(respond(
            404,
            status_body(404, "NotFound", "no such cluster"),
            &[],
        ));
    };
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    // The scenario's identities first; moto's assumed roles only for another key (asking
    // moto costs a request).
    let identity = bearer.and_then(|token| {
        find_identity(&state, |identities| {
            verify_token(&token, &cluster.name, identities, SystemTime::now()).ok()
        })
    });
    let Some(identity) = identity else {
        record(&state, "k8s", &method, &full_path, 401, None);
        return Ok(respond(
            401,
            status_body(401, "Unauthorized", "Unauthorized"),
            &[],
        ));
    };
    if cluster.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(cluster.latency_ms)).await;
    }
    if let (Some(allowed), Some(asked)) =
        (&cluster.authorized, request_attributes(&method, resource))
    {
        let permitted = allowed.iter().any(|p| {
            p.verb == asked.verb
                && p.resource == asked.resource
                && (p.namespace.is_none() || p.namespace == asked.namespace)
                && (p.name.is_none() || p.name == asked.name)
        });
        if !permitted {
            record(
                &state,
                "k8s",
                &method,
                &full_path,
                403,
                Some(identity.clone()),
            );
            let message = format!(
                "{identity} cannot {} resource \"{}\"{}",
                asked.verb,
                asked.resource,
                asked
                    .namespace
                    .map_or(String::new(), |n| format!(" in the namespace \"{n}\""))
            );
            return Ok(respond(403, status_body(403, "Forbidden", &message), &[]));
        }
    }
    let key_of = |identities: &[IdentitySpec]| {
        identities
            .iter()
            .find(|i| i.arn == identity)
            .map(|i| i.access_key_id.clone())
    };
    let access_key_id = find_identity(&state, key_of).unwrap_or_default();
    let fault_key = match resource {
        "api/v1/namespaces/kube-system/configmaps/aws-auth" => Some("configmaps"),
        r => r.rsplit('/').next().filter(|last| {
            [
                "selfsubjectreviews",
                "clusterroles",
                "clusterrolebindings",
                "roles",
                "rolebindings",
            ]
            .contains(last)
        }),
    };
    let fault: Option<(String, Fault)> = fault_key.and_then(|key| {
        let found = if key == "configmaps" {
            cluster
                .aws_auth_fault
                .clone()
                .or_else(|| cluster.faults.get(key).cloned())
        } else {
            cluster.faults.get(key).cloned()
        };
        found.map(|f| (key.to_string(), f))
    });
    let (status, body) = match (method.as_str(), resource) {
        ("GET", "api") => (
            200,
            json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}),
        ),
        ("GET", "apis") => (
            200,
            json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": []}),
        ),
        ("GET", "api/v1") => (
            200,
            json!({"kind": "APIResourceList", "groupVersion": "v1", "resources": [
                {"name": "configmaps", "singularName": "configmap", "namespaced": true, "kind": "ConfigMap", "verbs": ["get", "list"], "shortNames": ["cm"]}
            ]}),
        ),
        (_, resource)
            if fault.as_ref().is_some_and(|(key, fault)| {
                fault_applies(&state, format!("{}/{key}", cluster.name), fault)
            }) =>
        {
            let (_, fault) = fault.clone().unwrap();
            if fault.hang {
                record(
                    &state,
                    "k8s",
                    &method,
                    &full_path,
                    0,
                    Some(identity.clone()),
                );
                tokio::time::sleep(Duration::from_secs(120)).await;
            }
            let _ = resource;
            (
                fault.status,
                status_body(
                    fault.status,
                    fault_reason(fault.status),
                    &format!("injected {}", fault.status),
                ),
            )
        }
        ("POST", "apis/authentication.k8s.io/v1/selfsubjectreviews")
            if cluster.self_subject_review =>
        {
            let user = cluster.whoami.get(&identity).cloned().unwrap_or(UserSpec {
                username: identity.clone(),
                groups: vec![],
            });
            let mut groups = user.groups.clone();
            groups.push("system:authenticated".into());
            let account = identity.split(':').nth(4).unwrap_or_default().to_string();
            (
                201,
                json!({"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
                "metadata": {"creationTimestamp": null},
                "status": {"userInfo": {
                    "username": user.username,
                    "uid": format!("aws-iam-authenticator:{account}:AIDATESTPRINCIPAL"),
                    "groups": groups,
                    "extra": {
                        "arn": [identity],
                        "canonicalArn": [identity],
                        "principalId": ["AIDATESTPRINCIPAL"],
                        "sessionName": [""],
                        "accessKeyId": [access_key_id],
                    }
                }}}),
            )
        }
        ("GET", "apis/rbac.authorization.k8s.io/v1/clusterroles") => (
            200,
            list_page("ClusterRoleList", &cluster.rbac.cluster_roles, &query),
        ),
        ("GET", "apis/rbac.authorization.k8s.io/v1/clusterrolebindings") => (
            200,
            list_page(
                "ClusterRoleBindingList",
                &cluster.rbac.cluster_role_bindings,
                &query,
            ),
        ),
        ("GET", "apis/rbac.authorization.k8s.io/v1/roles") => {
            (200, list_page("RoleList", &cluster.rbac.roles, &query))
        }
        ("GET", "apis/rbac.authorization.k8s.io/v1/rolebindings") => (
            200,
            list_page("RoleBindingList", &cluster.rbac.role_bindings, &query),
        ),
        ("GET", "api/v1/namespaces/kube-system/configmaps/aws-auth") => match &cluster.aws_auth {
            Some(data) => {
                let modified = match cluster.aws_auth_modified.as_deref() {
                    Some("start") => state.started_at.clone(),
                    Some(time) => time.to_string(),
                    None => "2026-01-01T00:00:00Z".to_string(),
                };
                (
                    200,
                    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
                    "name": "aws-auth", "namespace": "kube-system", "resourceVersion": "1001",
                    "creationTimestamp": "2025-06-01T00:00:00Z",
                    "managedFields": [
                        {"manager": "eksctl", "operation": "Update", "apiVersion": "v1", "time": "2025-06-01T00:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {}}}},
                        {"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1", "time": modified, "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {".": {}, "f:mapRoles": {}}}}
                    ]},
                    "data": data}),
                )
            }
            None => (
                404,
                status_body(404, "NotFound", "configmaps \"aws-auth\" not found"),
            ),
        },
        _ => (
            404,
            status_body(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ),
        ),
    };
    record(
        &state,
        "k8s",
        &method,
        &full_path,
        status,
        Some(identity.clone()),
    );
    Ok(respond(status, body, &[]))
}
