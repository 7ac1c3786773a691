"""Sign-up timing for known and new addresses, through a running server.

Sign-up must not tell whether an address has an account: same page, same status, and
about the same time (the known-address path hashes a throwaway password, as creating an
account does). This posts the sign-up form for an address that exists and for fresh
ones, alternating, and prints the timings of each.

    python bench/signup_timing.py --url http://127.0.0.1:8000 --known ada@kestrel.example --rounds 10

The server's sign-up rate limit (ACCOUNT_RATE_LIMIT_SIGNUP, per IP) must allow 2 x rounds
sign-ups; run it against a local server started with RATELIMIT_ENABLED=0. Each fresh
address creates an unverified account (`bench-<random>@signup-timing.example`).
"""

import argparse
import http.cookiejar
import re
import secrets
import statistics
import sys
import time
import urllib.parse
import urllib.request

PASSWORD = "Bench-signup-timing-4417"  # noqa: S105 - accounts this benchmark creates on a local server


def _opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_up(base: str, email: str) -> tuple[float, int, str]:
    """One sign-up: fetch the form (for the CSRF token), post it; return (seconds for the post, status, Location)."""
    opener = _opener()
    page = opener.open(f"{base}/accounts/signup/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "email": email, "password1": PASSWORD, "password2": PASSWORD}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - main() accepts only http(s) base URLs
        f"{base}/accounts/signup/", data=body, headers={"Referer": f"{base}/"}
    )
    started = time.perf_counter()
    try:
        response = opener.open(request)
        status, location = response.status, response.headers.get("Location", "")
        response.read()
    except urllib.error.HTTPError as exc:  # 3xx (redirects not followed) and errors
        status, location = exc.code, exc.headers.get("Location", "")
        exc.read()
    return time.perf_counter() - started, status, location


def _check_url(url: str) -> str:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise SystemExit(f"--url must be an http(s) address, not {url!r}")
    return url.rstrip("/")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--known", required=True, help="an address that has an account on that server")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args(argv)
    base = _check_url(args.url)
    known, new, answers = [], [], set()
    for _ in range(args.rounds):
        for email, times in ((args.known, known), (f"bench-{secrets.token_hex(6)}@signup-timing.example", new)):
            seconds, status, location = sign_up(base, email)
            times.append(seconds)
            answers.add((status, location))
    print(f"sign-up timing through {base}, {args.rounds} rounds")
    for label, times in (("known address", known), ("new address", new)):
        print(
            f"  {label:14} median {statistics.median(times) * 1000:7.1f} ms  "
            f"min {min(times) * 1000:7.1f} ms  max {max(times) * 1000:7.1f} ms"
        )
    gap = statistics.median(known) - statistics.median(new)
    print(f"  median difference (known - new): {gap * 1000:+.1f} ms")
    print(f"  distinct answers (status, Location): {sorted(answers)}")
    return 0 if len(answers) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
