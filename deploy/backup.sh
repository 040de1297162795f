#!/bin/sh
# One backup of each store, in two files, then old backups removed. Run by
# family-portal-backup.service (as the family-portal user, with /etc/family-portal/portal.env).
# The keystore's backup holds names, phone numbers and e-mail addresses (sealed with
# PORTAL_KEYSTORE_KEY): keep it apart from the main store's, as docs/operations.md says.
set -eu

: "${BACKUP_DIR:=/var/backups/family-portal}"
: "${BACKUP_KEEP_DAYS:=35}"
: "${PORTAL_VENV:=/opt/family-portal/venv}"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
flask="$PORTAL_VENV/bin/flask"

"$flask" --app portal backup --out "$BACKUP_DIR/main-$stamp.backup"
"$flask" --app portal backup --store keystore --out "$BACKUP_DIR/keystore-$stamp.backup"
find "$BACKUP_DIR" -maxdepth 1 \( -name '*.backup' -o -name '*.backup.manifest.json' \) -mtime "+$BACKUP_KEEP_DAYS" -delete
echo "backups written: main-$stamp.backup keystore-$stamp.backup"
