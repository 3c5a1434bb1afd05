// Shared by the e2e tests: where the server is and how to watch it.
//
// STRATA_MCP is the server binary (run-clients.sh sets it to an absolute path).  Its
// stderr is piped (never inherited) and kept, so a failing test can show it, and so the
// tests can tell when the process has gone.
import assert from 'node:assert/strict';
import path from 'node:path';

export const SERVER = path.resolve(process.env.STRATA_MCP ?? '../../build/bin/strata-mcp');

// Collects the server's stderr from a transport created with stderr: 'pipe'.
export function collectStderr(transport) {
	const chunks = [];
	transport.stderr?.on('data', (d) => chunks.push(String(d)));
	return () => chunks.join('');
}

// Resolves when process `pid` no longer exists (polling kill(pid, 0)), or rejects after ms.
export async function waitGone(pid, ms) {
	const until = Date.now() + ms;
	for (;;) {
		try {
			process.kill(pid, 0);
		} catch (e) {
			if (e.code === 'ESRCH')
				return;
			throw e;
		}
		if (Date.now() > until)
			assert.fail(`server pid ${pid} still running ${ms} ms after close()`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

export const TOOLS = ['detect_layers', 'execute_plan', 'plan_remediation', 'rollback_plan'];
