"""Plain helpers with no models, shared by the apps; nothing here imports the rest of the project.

- `env`: settings from the environment, failing loudly on a bad value
- `storage`: the private file storage (local folder or S3) built from the environment
- `contentfiles`: YAML front matter and mappings of `content/`, errors with file and line
- `markup`: Markdown to sanitized HTML (the allowlist is the security boundary)
- `watermark`: stamping every page of a PDF with who downloaded it
- `pagecache`: whole public pages for anonymous visitors; `ratelimit`: limits in the shared cache
- `mfa`: whether a user's second factor is in place (an authenticator, or an SSO sign-in that asserted one)
- `redirects`: the one check that a `next` address stays on this site
- `visibility`: public or under NDA, for policies and documents alike
- `immutable`: models whose rows are never changed or deleted once written (published versions)
- `formats/`: date formats per language (`FORMAT_MODULE_PATH`)
"""
