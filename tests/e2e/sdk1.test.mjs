// @modelcontextprotocol/sdk 1.32.x (2025-11-25 lifecycle) against strata-mcp over stdio.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError, ErrorCode, LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { SERVER, TOOLS, collectStderr, waitGone } from './common.mjs';

describe('sdk 1.x client', () => {
	let transport, client, stderr, clientErrors = [];

	before(async () => {
		transport = new StdioClientTransport({ command: SERVER, args: [], stderr: 'pipe' });
		stderr = collectStderr(transport);
		client = new Client({ name: 'strata-e2e-sdk1', version: '1.0.0' }, { capabilities: {} });
		// Bad stdout lines and stray messages land here; the tests expect none.
		client.onerror = (e) => clientErrors.push(e.message);
		await client.connect(transport);
	});

	after(async () => {
		await client?.close().catch(() => {});
	});

	test('connect negotiates the SDK\'s latest revision', () => {
		assert.equal(LATEST_PROTOCOL_VERSION, '2025-11-25');
		assert.equal(transport.pid > 0, true);
		const caps = client.getServerCapabilities();
		assert.ok(caps.tools, 'tools capability');
		assert.ok(caps.logging, 'logging capability');
	});

	test('getServerVersion names strata-mcp with a title and version', () => {
		const v = client.getServerVersion();
		assert.match(v.name, /strata/);
		assert.ok(v.title && v.title.length > 0, 'serverInfo.title');
		assert.match(v.version, /^\d+\.\d+\.\d+/);
	});

	test('getInstructions explains detect -> plan -> execute -> rollback', () => {
		const text = client.getInstructions();
		assert.equal(typeof text, 'string');
		for (const tool of TOOLS)
			assert.match(text, new RegExp(tool), `instructions mention ${tool}`);
		assert.ok(text.indexOf('detect_layers') < text.indexOf('execute_plan'));
	});

	test('listTools returns the four tools and the SDK accepts every outputSchema', async () => {
		const names = [];
		let cursor, pages = 0;
		do {
			const page = await client.listTools(cursor ? { cursor } : undefined);
			for (const t of page.tools) {
				names.push(t.name);
				assert.ok(t.title, `${t.name}.title`);
				assert.ok(t.description, `${t.name}.description`);
				assert.equal(t.inputSchema.type, 'object');
				assert.equal(t.outputSchema?.type, 'object', `${t.name}.outputSchema`);
				assert.equal(typeof t.annotations?.readOnlyHint, 'boolean');
				assert.equal(typeof t.annotations?.destructiveHint, 'boolean');
				assert.equal(typeof t.annotations?.idempotentHint, 'boolean');
				assert.equal(typeof t.annotations?.openWorldHint, 'boolean');
				const destructive = t.name === 'execute_plan' || t.name === 'rollback_plan';
				assert.equal(t.annotations.readOnlyHint, !destructive, `${t.name} readOnlyHint`);
				if (destructive)
					assert.equal(t.annotations.destructiveHint, true, `${t.name} destructiveHint`);
			}
			cursor = page.nextCursor;
			assert.ok(++pages < 10, 'pagination ends');
		} while (cursor);
		assert.deepEqual(names.sort(), TOOLS);
	});

	test('ping', async () => {
		assert.deepEqual(await client.ping(), {});
	});

	test('setLoggingLevel accepts a level', async () => {
		assert.deepEqual(await client.setLoggingLevel('debug'), {});
		assert.deepEqual(await client.setLoggingLevel('warning'), {});
	});

	test('callTool with bad arguments is an isError result naming the field', async () => {
		const r = await client.callTool({ name: 'detect_layers', arguments: { namespace: 42 } });
		assert.equal(r.isError, true);
		const text = r.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
		assert.match(text, /namespace/);
	});

	test('callTool of an unknown tool throws McpError -32602', async () => {
		await assert.rejects(
			client.callTool({ name: 'delete_cluster', arguments: {} }),
			(e) => e instanceof McpError && e.code === ErrorCode.InvalidParams);
	});

	test('no client-side protocol errors so far', () => {
		assert.deepEqual(clientErrors, [], `stderr of the server:\n${stderr()}`);
	});

	test('close() ends the server process promptly', async () => {
		const pid = transport.pid;
		const t0 = Date.now();
		await client.close();
		// close() ends stdin and escalates to SIGTERM after 2 s: a clean server is gone first.
		await waitGone(pid, 5000);
		assert.ok(Date.now() - t0 < 1900, `server took ${Date.now() - t0} ms to exit on EOF`);
		assert.doesNotMatch(stderr(), /Sanitizer|runtime error:/);
	});
});
