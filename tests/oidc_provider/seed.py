"""Create the provider's users and the client applications: `python -m tests.oidc_provider.seed CONFIG.json`.

CONFIG lists clients ({"client_id", "client_secret", "redirect_uris"}) and users ({"username",
"email", "password", "amr", "acr"}).
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc_provider.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402


def main(path: str) -> None:
    with open(path) as handle:
        config = json.load(handle)
    for user in config["users"]:
        User.objects.create_user(
            username=user["username"],
            email=user["email"],
            password=user["password"],
            first_name=" ".join(user.get("amr", [])),
            last_name=user.get("acr", ""),
        )
    for client in config["clients"]:
        Application.objects.create(
            name=client["client_id"],
            client_id=client["client_id"],
            client_secret=client["client_secret"],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(client["redirect_uris"]),
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )


if __name__ == "__main__":
    main(sys.argv[1])
