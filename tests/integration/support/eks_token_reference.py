#!/usr/bin/env python3
"""Independent reference for the EKS token: presigns STS GetCallerIdentity with botocore's
SigV4 query signer (the signer the AWS CLI's `eks get-token` uses) at a fixed time, and prints
the presigned URL. Used by tests/token.rs as the known answer.

usage: eks_token_reference.py ACCESS_KEY SECRET_KEY SESSION_TOKEN|- REGION CLUSTER YYYYMMDDTHHMMSSZ
"""
import datetime
import sys
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

access_key, secret_key, session_token, region, cluster, stamp = sys.argv[1:7]
when = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ")
credentials = Credentials(access_key, secret_key, None if session_token == "-" else session_token)
request = AWSRequest(
    method="GET",
    url=f"https://sts.{region}.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
    headers={"x-k8s-aws-id": cluster},
)
signer = botocore.auth.SigV4QueryAuth(credentials, "sts", region, expires=60)
with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
    signer.add_auth(request)
print(request.url)
