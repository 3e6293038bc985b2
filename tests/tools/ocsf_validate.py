"""Validates aws-auth-audit's `--format ocsf` output with the OCSF models Prowler publishes
(py-ocsf-models: pydantic models of OCSF 1.x): every event must be a valid Detection Finding
of the OCSF version the models implement. Reads the JSON list on stdin; prints one line per
problem and exits 1 when there is any."""
import json
import sys

from py_ocsf_models import OCSF_VERSION
from py_ocsf_models.events.findings.detection_finding import DetectionFinding

events = json.load(sys.stdin)
if not isinstance(events, list):
    print("expected a JSON list of events")
    sys.exit(1)
problems = 0
for i, event in enumerate(events):
    if event.get("metadata", {}).get("version") != OCSF_VERSION:
        print(f"event {i}: metadata.version is not {OCSF_VERSION}")
        problems += 1
    try:
        DetectionFinding.model_validate(event)
    except Exception as error:  # pydantic's ValidationError, with every field it refused
        print(f"event {i}: {error}")
        problems += 1
print(f"{len(events)} event(s) checked as OCSF {OCSF_VERSION} Detection Findings")
sys.exit(1 if problems else 0)
