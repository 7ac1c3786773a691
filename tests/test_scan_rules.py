"""The TLS rules `make scan` applies to sslscan's report: strong settings pass, each weakness fails."""

import importlib.util

import pytest
from django.conf import settings

_spec = importlib.util.spec_from_file_location("run_scan", settings.BASE_DIR / "tools" / "scan" / "run_scan.py")
run_scan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_scan)

GOOD = {
    "protocols": '<protocol type="ssl" version="2" enabled="0" /><protocol type="ssl" version="3" enabled="0" />'
    '<protocol type="tls" version="1.0" enabled="0" /><protocol type="tls" version="1.1" enabled="0" />'
    '<protocol type="tls" version="1.2" enabled="1" /><protocol type="tls" version="1.3" enabled="1" />',
    "ciphers": '<cipher status="preferred" sslversion="TLSv1.3" bits="256" cipher="TLS_AES_256_GCM_SHA384" '
    'strength="strong" /><cipher status="accepted" sslversion="TLSv1.2" bits="128" '
    'cipher="ECDHE-ECDSA-AES128-GCM-SHA256" strength="strong" />',
    "extras": '<renegotiation supported="0" secure="0" /><heartbleed sslversion="TLSv1.2" vulnerable="0" />'
    '<group sslversion="TLSv1.3" bits="128" name="x25519" id="0x001d" />',
    "certificate": '<certificates><certificate type="short"><signature-algorithm>ecdsa-with-SHA256'
    '</signature-algorithm><pk error="false" type="EC" curve_name="prime256v1" bits="128" /></certificate>'
    "</certificates>",
}


def report(**parts) -> str:
    body = "".join({**GOOD, **parts}.values())
    return f'<?xml version="1.0"?><document><ssltest host="127.1.2.3" port="443">{body}</ssltest></document>'


def test_strong_tls_passes():
    failures, summary = run_scan.judge_sslscan(report())
    assert failures == []
    assert "protocols enabled: TLSv1.2, TLSv1.3" in summary


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ({"protocols": GOOD["protocols"].replace('"1.0" enabled="0"', '"1.0" enabled="1"')}, "TLSv1.0 is enabled"),
        ({"protocols": GOOD["protocols"].replace('"3" enabled="0"', '"3" enabled="1"')}, "SSLv3 is enabled"),
        (
            {
                "ciphers": '<cipher sslversion="TLSv1.2" bits="256" cipher="ECDHE-RSA-AES256-SHA384" '
                'strength="strong" />'
            },
            "weak cipher accepted: TLSv1.2 ECDHE-RSA-AES256-SHA384",
        ),
        ({"ciphers": '<cipher sslversion="TLSv1.2" bits="112" cipher="DES-CBC3-SHA" strength="medium" />'}, "DES-CBC3"),
        ({"ciphers": '<cipher sslversion="TLSv1.2" bits="128" cipher="RC4-SHA" strength="weak" />'}, "RC4-SHA"),
        ({"ciphers": '<cipher sslversion="TLSv1.2" bits="0" cipher="NULL-SHA256" strength="null" />'}, "NULL-SHA256"),
        ({"ciphers": '<cipher sslversion="TLSv1.2" bits="256" cipher="AECDH-AES256-SHA" />'}, "AECDH-AES256-SHA"),
        ({"ciphers": ""}, "found no accepted cipher"),
        (
            {"ciphers": '<cipher sslversion="TLSv1.2" bits="256" cipher="AES256-GCM-SHA384" strength="strong" />'},
            "AES256-GCM-SHA384",  # no forward secrecy
        ),
        ({"extras": '<compression supported="1" />'}, "compression"),
        ({"extras": '<renegotiation supported="1" secure="0" />'}, "insecure client-initiated renegotiation"),
        ({"extras": '<heartbleed sslversion="TLSv1.2" vulnerable="1" />'}, "Heartbleed"),
        ({"extras": '<group sslversion="TLSv1.2" bits="80" name="ffdhe1024" />'}, "weak key exchange group"),
        (
            {"certificate": GOOD["certificate"].replace("ecdsa-with-SHA256", "sha1WithRSAEncryption")},
            "weak certificate signature",
        ),
        (
            {
                "certificate": GOOD["certificate"].replace(
                    'type="EC" curve_name="prime256v1" bits="128"', 'type="RSA" bits="1024"'
                )
            },
            "weak certificate key RSA 1024",
        ),
    ],
)
def test_each_weakness_fails_the_scan(parts, expected):
    failures, _ = run_scan.judge_sslscan(report(**parts))
    assert any(expected in failure for failure in failures), failures
