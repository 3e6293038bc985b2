//! The offline rules on one aws-auth document. Rules are independent — each reads the
//! document (and IAM's answers) and writes its own findings — so a large document is judged
//! by several threads at once, each taking the next rule not yet taken; the findings come
//! back in rule order whatever thread ran what.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::evidence::IamEvidence;
use crate::model::awsauth::document::AwsAuthDocument;
use crate::rules::Rule;
use crate::rules::finding::Finding;

/// From this many rows a document is judged by several threads: below it, starting them
/// costs more than it saves.
const PARALLEL_FROM_ROWS: usize = 1_000;

/// At most this many threads judge one document (the rules' costs are uneven: past a few
/// threads the slowest rule is the wall).
const MAX_THREADS: usize = 4;

/// Adds the findings of `rules` on `doc` to `findings`, in rule order (each rule's moved in
/// once: a large audit's findings are megabytes).
pub fn run_offline_rules(
    rules: &[&Rule],
    doc: &AwsAuthDocument,
    iam: Option<&IamEvidence>,
    findings: &mut Vec<Finding>,
) {
    let rows: usize = doc.sections.values().map(|s| s.entries.len()).sum();
    // (The cores are counted only for a large document: it reads cgroup files.)
    let threads = if rows >= PARALLEL_FROM_ROWS {
        crate::infra::threads::cores()
            .min(MAX_THREADS)
            .min(rules.len())
    } else {
        1
    };
    if threads < 2 {
        for rule in rules {
            findings.append(&mut rule.run_with(doc, iam));
        }
        return;
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(rule) = rules.get(i) else { break };
            done.push((i, rule.run_with(doc, iam)));
        }
        done
    };
    let mut by_rule: Vec<Vec<Finding>> = rules.iter().map(|_| Vec::new()).collect();
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads)
            .map(|_| crate::infra::threads::spawn_now(scope, work))
            .collect();
        let mut done = work();
        for helper in helpers {
            match helper.join() {
                Ok(theirs) => done.extend(theirs),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for (i, findings) in done {
            by_rule[i] = findings;
        }
    });
    findings.reserve(by_rule.iter().map(Vec::len).sum());
    for mut found in by_rule {
        findings.append(&mut found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::manifest::read_configmaps;
    use crate::rules::RULES;

    /// A document large enough to be judged by threads gives the findings, in the order,
    /// that one thread gives.
    #[test]
    fn threads_give_what_one_thread_gives() {
        let mut roles = String::from(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n  mapRoles: |\n",
        );
        for i in 0..PARALLEL_FROM_ROWS + 10 {
            let arn = match i % 3 {
                0 => format!("arn:aws:iam::111122223333:role/team/r{i}"),
                1 => format!("arn:aws:iam::111122223333:user/u{i}"),
                _ => format!("arn:aws:sts::111122223333:assumed-role/r{i}/s"),
            };
            roles.push_str(&format!(
                "    - rolearn: {arn}\n      username: u{i}\n      groups: [system:masters]\n"
            ));
        }
        let manifest = read_configmaps(&roles).unwrap();
        let doc = AwsAuthDocument::from_configmap("big.yaml", &manifest.configmaps[0]).unwrap();
        let offline: Vec<&Rule> = RULES.iter().filter(|r| r.is_offline()).collect();
        let mut threaded = Vec::new();
        run_offline_rules(&offline, &doc, None, &mut threaded);
        let one_by_one: Vec<Finding> = offline.iter().flat_map(|r| r.run(&doc)).collect();
        assert!(threaded.len() > PARALLEL_FROM_ROWS, "{}", threaded.len());
        assert_eq!(threaded, one_by_one);
    }
}
