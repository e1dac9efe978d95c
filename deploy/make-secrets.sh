#!/bin/sh
# Creates deploy/secrets/ for compose.yaml: the data key, the database password and the database URL,
# owned by the image's user (uid 10001) and readable by it alone. Never overwrites an existing file:
# a new data key would not decrypt the personal data already stored.
set -eu
cd "$(dirname "$0")"
mkdir -p secrets
umask 077
new() { [ -e "secrets/$1" ] && { echo "secrets/$1 exists: kept"; return 1; }; return 0; }
if new data_key; then python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > secrets/data_key; fi
if new db_password; then python3 -c 'import secrets; print(secrets.token_urlsafe(24))' > secrets/db_password; fi
if new database_url; then
  printf 'postgresql+psycopg://yunling:%s@db:5432/yunling\n' "$(cat secrets/db_password)" > secrets/database_url
fi
chown 10001 secrets/data_key secrets/database_url 2>/dev/null || echo "run as root to give the files to uid 10001"
chown 999 secrets/db_password 2>/dev/null || true  # the postgres image's user
echo "secrets in $(pwd)/secrets: copy data_key to your offline key custody now (docs/privacy.md)"
