// @modelcontextprotocol/client 2.4.x pinned to the stateless 2026-07-28 revision.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { SERVER, TOOLS, collectStderr, waitGone } from './common.mjs';

describe('client 2.x pinned to 2026-07-28', () => {
	let transport, client, stderr, clientErrors = [];

	before(async () => {
		transport = new StdioClientTransport({ command: SERVER, args: [], stderr: 'pipe' });
		stderr = collectStderr(transport);
		client = new Client({ name: 'strata-e2e-client2', version: '1.0.0' },
		    { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } });
		client.onerror = (e) => clientErrors.push(e.message);
		await client.connect(transport);
	});

	after(async () => {
		await client?.close().catch(() => {});
	});

	test('connect speaks the modern era', () => {
		assert.equal(client.getProtocolEra(), 'modern');
		assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
	});

	test('discover names 2026-07-28, the server and its tools capability', async () => {
		const d = await client.discover();
		assert.ok(d.supportedVersions.includes('2026-07-28'));
		assert.ok(d.capabilities.tools, 'tools capability');
		const v = client.getServerVersion();
		assert.match(v?.name ?? '', /strata/);
	});

	test('listTools returns the four tools with object schemas', async () => {
		const names = [];
		let cursor, pages = 0;
		do {
			const page = await client.listTools(cursor ? { cursor } : undefined);
			for (const t of page.tools) {
				names.push(t.name);
				assert.equal(t.inputSchema.type, 'object');
				assert.equal(t.outputSchema?.type, 'object');
			}
			cursor = page.nextCursor;
			assert.ok(++pages < 10, 'pagination ends');
		} while (cursor);
		assert.deepEqual(names.sort(), TOOLS);
	});

	test('callTool with bad arguments is an isError result', async () => {
		const r = await client.callTool({ name: 'plan_remediation', arguments: {} });
		assert.equal(r.isError, true);
		assert.match(r.content.map((c) => c.text ?? '').join('\n'), /issue_id/);
	});

	test('no client-side protocol errors, and close() ends the server', async () => {
		assert.deepEqual(clientErrors, [], `stderr of the server:\n${stderr()}`);
		const pid = transport.pid;
		const t0 = Date.now();
		await client.close();
		await waitGone(pid, 5000);
		assert.ok(Date.now() - t0 < 1900, `server took ${Date.now() - t0} ms to exit on EOF`);
		assert.doesNotMatch(stderr(), /Sanitizer|runtime error:/);
	});
});
