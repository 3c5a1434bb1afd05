#!/bin/sh
# Runs the scripted JSON-RPC harness over every script in a folder.
# Usage: run-harness.sh HARNESS SERVER DIR
set -u
harness=$1 server=$2 dir=$3
if [ ! -x "$harness" ] || [ ! -x "$server" ]; then
	echo "harness: no harness or server built yet; nothing to run"
	exit 0
fi
# The server keeps issues, plans and executions in $XDG_STATE_HOME/strata: give it a
# private one, so the scripts never touch the user's state.
XDG_STATE_HOME=$(mktemp -d)
export XDG_STATE_HOME
trap 'rm -rf "$XDG_STATE_HOME"' EXIT
"$harness" --server "$server" "$dir"/*.json
