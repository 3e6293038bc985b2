"""Validates aws-auth-audit's `--format asff` output against botocore's request model of
Security Hub's BatchImportFindings (boto3's own parameter validation): every required member,
every type, every enum value. Reads the JSON list on stdin; prints one line per problem and
exits 1 when there is any."""
import json
import sys

import botocore.session
from botocore.validate import ParamValidator

findings = json.load(sys.stdin)
if not isinstance(findings, list):
    print("expected a JSON list of findings")
    sys.exit(1)
model = botocore.session.get_session().get_service_model("securityhub")
shape = model.operation_model("BatchImportFindings").input_shape
problems = []
# BatchImportFindings takes at most 100 findings a call: validate in such batches.
for start in range(0, len(findings), 100):
    report = ParamValidator().validate({"Findings": findings[start:start + 100]}, shape)
    if report.has_errors():
        problems.append(report.generate_report())
for problem in problems:
    print(problem)
print(f"{len(findings)} finding(s) checked against {shape.name}")
sys.exit(1 if problems else 0)
