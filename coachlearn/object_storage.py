"""The origin of the bucket's presigned addresses, for the Content-Security-Policy.

Asked of botocore itself, configured as django-storages configures it: whether an address
is path style (the endpoint's origin) or virtual style (the bucket's own host name), with
or without the region, is botocore's decision, and the CSP must name what it produces.
Signing needs no network; the keys used here sign nothing that is sent.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def bucket_origin(
    *, bucket: str, endpoint_url: str | None, region: str | None, addressing_style: str | None
) -> str:
    import boto3
    from botocore.config import Config

    client = boto3.session.Session().client(
        "s3",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id="origin-only",
        aws_secret_access_key="origin-only",
        config=Config(s3={"addressing_style": addressing_style}, signature_version="s3v4"),
    )
    address = client.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "origin"}, ExpiresIn=1
    )
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.netloc}"
