#!/bin/sh
# End-to-end tests with the official MCP clients: @modelcontextprotocol/sdk 1.32.x and
# @modelcontextprotocol/client 2.4.x, pinned in package-lock.json.
# Usage: run-clients.sh SERVER
# Installs the pinned packages with `npm ci` when node_modules is missing, then runs the
# tests with node's built-in runner, whose summary (tests/pass/fail) is printed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
server=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "e2e: node and npm are required (Debian: apt-get install nodejs npm)" >&2
	exit 1
fi
cd "$here" || exit 1
if [ ! -d node_modules/@modelcontextprotocol/sdk ] ||
   [ ! -d node_modules/@modelcontextprotocol/client ]; then
	echo "e2e: installing the pinned MCP clients (npm ci)"
	npm ci --no-audit --no-fund --loglevel=error || exit 1
fi
STRATA_MCP=$server exec node --test --test-reporter=spec --test-concurrency=1 \
    sdk1.test.mjs client2.test.mjs
