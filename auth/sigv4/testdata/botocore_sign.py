"""Sign requests with botocore's SigV4 signers, as the aws CLI and boto3 do.

Reads a JSON list of request specs on stdin and writes the signed requests
(method, url, headers, body) as JSON on stdout. The clock is fixed to each
spec's timestamp. Used by botocore_test.go.
"""

import datetime
import json
import sys
from unittest import mock
from urllib.parse import parse_qsl

import botocore.auth
from botocore.auth import SigV4Auth, SigV4QueryAuth, _host_from_url
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(spec):
    creds = Credentials(spec["access_key"], spec["secret_key"], spec.get("token") or None)
    data = spec.get("body", "").encode()
    if spec.get("presign_expires") and data:
        # The query serializer hands the presigner a dict, which it moves
        # into the query string.
        data = dict(parse_qsl(data.decode(), keep_blank_values=True))
    req = AWSRequest(
        method=spec["method"],
        url=spec["url"],
        data=data,
        headers=dict(spec.get("headers", {})),
    )
    when = datetime.datetime.strptime(spec["timestamp"], "%Y%m%dT%H%M%SZ")
    if spec.get("presign_expires"):
        signer = SigV4QueryAuth(creds, spec["service"], spec["region"], expires=spec["presign_expires"])
    else:
        signer = SigV4Auth(creds, spec["service"], spec["region"])
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
        signer.add_auth(req)
    body = req.data or b""
    if isinstance(body, str):
        body = body.encode()
    headers = [["Host", _host_from_url(req.url)]]
    headers += [[k, v] for k, v in req.headers.items()]
    return {"method": req.method, "url": req.url, "headers": headers, "body": body.decode()}


def main():
    specs = json.load(sys.stdin)
    json.dump([sign(s) for s in specs], sys.stdout)


if __name__ == "__main__":
    main()
