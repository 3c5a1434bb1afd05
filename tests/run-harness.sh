#!/bin/sh
# Runs the scripted JSON-RPC harness over every script in a folder.
# Usage: run-harness.sh HARNESS SERVER DIR
set -u
harness=$1 server=$2 dir=$3
if [ ! -x "$harness" ] || [ ! -x "$server" ]; then
	echo "harness: no harness or server built yet; nothing to run"
	exit 0
fi
exec "$harness" --server "$server" "$dir"/*.json
