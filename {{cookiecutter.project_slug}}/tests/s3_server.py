"""A local S3 for the tests: moto in server mode on 127.0.0.1, with credentials enforced.

moto accepts any key by default; here it first creates an IAM user allowed to
use S3 and hands out that user's access key, then turns its authentication on,
so a wrong key is refused the way AWS refuses it.
"""

from __future__ import annotations

import contextlib
import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
from moto.server import ThreadedMotoServer

BUCKET = "sales-test-bucket"
PREFIX = "sales/"
REGION = "us-east-1"
S3_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}
SETUP_REQUESTS = 4  # the IAM calls below, made before authentication is enforced


@dataclass
class S3Server:
    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    bucket: str = BUCKET
    prefix: str = PREFIX
    region: str = REGION

    def env(self) -> dict[str, str]:
        """Settings variables (without the prefix) that point the app at this bucket."""
        return {
            f"CONNECTION__{key.upper()}": str(value) for key, value in self.connection().items()
        }

    def connection(self) -> dict[str, object]:
        """The same, as a ``Settings.connection`` table."""
        return {
            "bucket": self.bucket,
            "prefix": self.prefix,
            "region": self.region,
            "endpoint_url": self.endpoint_url,
            "access_key_id": self.access_key_id,
            "secret_access_key": self.secret_access_key,
            "retries": 0,  # fail fast: the failure tests need no backoff
        }


def _set_unauthenticated_requests(endpoint: str, count: str) -> None:
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=count.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@contextlib.contextmanager
def running_server() -> Iterator[S3Server]:
    """Start moto on a free loopback port with one IAM user; stop it afterwards."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    try:
        _set_unauthenticated_requests(endpoint, str(SETUP_REQUESTS))
        iam = boto3.client(
            "iam",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="setup",
            aws_secret_access_key="setup",  # moto checks no key until auth is on
        )
        iam.create_user(UserName="streamlit-app")
        policy = iam.create_policy(PolicyName="s3-all", PolicyDocument=json.dumps(S3_POLICY))
        iam.attach_user_policy(UserName="streamlit-app", PolicyArn=policy["Policy"]["Arn"])
        key = iam.create_access_key(UserName="streamlit-app")["AccessKey"]
        yield S3Server(endpoint, key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        with contextlib.suppress(OSError):
            _set_unauthenticated_requests(endpoint, "inf")
        server.stop()
