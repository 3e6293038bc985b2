//! The fleet as JUnit XML: one test suite per cluster with one case per rule (a failure for
//! each rule with failing findings at or above the threshold, an error for a rule that could
//! not be evaluated), and one suite of the targets that were not audited, each an error.

use super::{ClusterLine, FleetView};
use crate::infra::escape::terminal;
use crate::report::junit::xml;
use crate::rules::finding::Severity;

/// A case: its name and its body (empty when it passed).
fn case(name: &str, body: &str) -> String {
    if body.is_empty() {
        format!(
            "    <testcase classname=\"aws-auth-audit.rules\" name=\"{}\"/>\n",
            xml(name)
        )
    } else {
        format!(
            "    <testcase classname=\"aws-auth-audit.rules\" name=\"{}\">\n{body}    </testcase>\n",
            xml(name)
        )
    }
}

/// One cluster's suite, and its failures and errors.
fn cluster_suite(line: &ClusterLine, threshold: Option<Severity>) -> (String, usize, usize) {
    let report = &line.report;
    let mut codes: Vec<&str> = report
        .coverage
        .rules_evaluated
        .iter()
        .copied()
        .chain(report.coverage.not_evaluated.iter().map(|n| n.code))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let (mut cases, mut failures, mut errors) = (String::new(), 0, 0);
    for code in &codes {
        let mut body = String::new();
        if let Some(missing) = report
            .coverage
            .not_evaluated
            .iter()
            .find(|n| n.code == *code)
        {
            errors += 1;
            body.push_str(&format!(
                "      <error message=\"not evaluated\">{}</error>\n",
                xml(&terminal(&missing.reason))
            ));
        }
        let failing: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.code == *code && f.fails_at(threshold))
            .map(|f| {
                format!(
                    "{} {} at {}: {}\nfix: {}",
                    f.severity,
                    f.code,
                    terminal(&f.location.route),
                    terminal(&f.message),
                    terminal(&f.remediation)
                )
            })
            .collect();
        if !failing.is_empty() {
            failures += 1;
            body.push_str(&format!(
                "      <failure message=\"{} finding(s)\">{}</failure>\n",
                failing.len(),
                xml(&failing.join("\n\n"))
            ));
        }
        // Named as `check`'s cases are: the code and the rule's slug.
        let name = crate::rules::find(code)
            .map_or_else(|| code.to_string(), |r| format!("{code} {}", r.meta.slug));
        cases.push_str(&case(&name, &body));
    }
    let suite = format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">\n{cases}  </testsuite>\n",
        xml(line.arn()),
        codes.len()
    );
    (suite, failures, errors)
}

impl FleetView<'_> {
    /// `threshold`: the severity from which a finding fails its case (`--fail-on`).
    pub fn junit(&self, threshold: Option<Severity>) -> String {
        let (mut suites, mut tests, mut failures, mut errors) = (String::new(), 0, 0, 0);
        for line in self.clusters {
            let (suite, f, e) = cluster_suite(line, threshold);
            tests += suite.matches("<testcase ").count();
            failures += f;
            errors += e;
            suites.push_str(&suite);
        }
        if !self.not_audited.is_empty() {
            let mut cases = String::new();
            for item in self.not_audited {
                let name = item.target();
                let body = format!(
                    "      <error message=\"{}\">{}</error>\n",
                    xml(&item.reason),
                    xml(&terminal(&item.detail))
                );
                cases.push_str(&case(&name, &body));
            }
            let n = self.not_audited.len();
            tests += n;
            errors += n;
            suites.push_str(&format!(
                "  <testsuite name=\"not audited\" tests=\"{n}\" failures=\"0\" errors=\"{n}\">\n{cases}  </testsuite>\n"
            ));
        }
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"aws-auth-audit scan\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n{suites}</testsuites>\n"
        )
    }
}
