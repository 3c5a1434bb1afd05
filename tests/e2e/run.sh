#!/bin/sh
# End-to-end tests with the official MCP SDK clients (installed from npm on first use).
set -u
server=$1
here=$(dirname "$0")
if [ ! -f "$here/package.json" ] || [ ! -x "$server" ]; then
	echo "e2e: no client tests or server yet; nothing to run"
	exit 0
fi
exec sh "$here/run-clients.sh" "$server"
