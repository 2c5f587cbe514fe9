#!/bin/sh
# backup.sh - run by the mongodb-backup CronJob: one consistent dump
# (mongodump --oplog, from a secondary when one is healthy) into the backup
# volume, then deletes dumps older than BACKUP_RETENTION_DAYS.
set -eu
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=/backup/weir-$stamp.archive.gz
# The password goes through a config file, not argv, so `ps` cannot show it.
umask 077
printf 'password: "%s"\n' "$(cat /run/secrets/mongodb/root-password)" >/tmp/mongodump.yaml
mongodump --config=/tmp/mongodump.yaml \
	--uri="mongodb://${MONGODB_HOSTS}/?replicaSet=${MONGODB_REPLICA_SET}&readPreference=secondaryPreferred&authSource=admin&tls=true&tlsCAFile=/run/secrets/mongodb-tls/ca.crt" \
	--username="$(cat /run/secrets/mongodb/root-username)" \
	--oplog --gzip --archive="$out.partial"
mv "$out.partial" "$out"
echo "backup written: $out ($(du -h "$out" | cut -f1))"
find /backup -name 'weir-*.archive.gz' -mtime +"$BACKUP_RETENTION_DAYS" -print -delete
find /backup -name 'weir-*.partial' -mmin +1440 -print -delete
