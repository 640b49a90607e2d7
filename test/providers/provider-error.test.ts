import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DiagnosticsError, exitCodeOf, formatDiagnostic } from '../../src/diag/index.js';
import { ProviderError, openstack } from '../../src/providers/index.js';

test('a provider error is one diagnostic with the address and the request, for the CLI', () => {
  const e = new ProviderError({
    code: openstack.codeForStatus(409),
    status: 409,
    message: 'create security group rule: OpenStack answered 409: Security group rule already exists.',
    address: 'muster-ag/test#secgroup',
    request: 'POST http://127.0.0.1:9696/v2.0/security-group-rules',
    requestId: 'req-42',
  });
  assert.ok(e instanceof DiagnosticsError, 'the CLI prints it as a diagnostic, without a stack');
  assert.equal(
    e.message,
    'create security group rule: OpenStack answered 409: Security group rule already exists.',
  );
  assert.deepEqual(e.diagnostics, [e.toDiagnostic()]);
  assert.equal(
    formatDiagnostic(e.toDiagnostic()),
    'error OPENSTACK_CONFLICT: create security group rule: OpenStack answered 409: Security group rule already exists. (muster-ag/test#secgroup)',
  );
  assert.equal(
    e.toDiagnostic().detail,
    'POST http://127.0.0.1:9696/v2.0/security-group-rules, request id req-42',
  );
  assert.equal(exitCodeOf(e.code), 1);
});

test('HTTP statuses map to stable codes; service error bodies give their message', () => {
  assert.deepEqual([401, 403, 404, 409, 400, 413, 500, 503].map(openstack.codeForStatus), [
    'OPENSTACK_AUTH',
    'OPENSTACK_FORBIDDEN',
    'OPENSTACK_NOT_FOUND',
    'OPENSTACK_CONFLICT',
    'OPENSTACK_BAD_REQUEST',
    'OPENSTACK_CONFLICT',
    'OPENSTACK_UNAVAILABLE',
    'OPENSTACK_UNAVAILABLE',
  ]);
  assert.equal(
    openstack.openstackMessage({
      error: { message: 'The request you have made requires authentication.', code: 401 },
    }),
    'The request you have made requires authentication.',
  );
  assert.equal(
    openstack.openstackMessage({ itemNotFound: { message: 'Instance x could not be found.', code: 404 } }),
    'Instance x could not be found.',
  );
  assert.equal(
    openstack.openstackMessage({
      NeutronError: { type: 'HTTPBadRequest', message: 'Invalid input', detail: '' },
    }),
    'Invalid input',
  );
  assert.equal(
    openstack.openstackMessage(
      '<html><body><h1>404 Not Found</h1>\nThe resource could not be found.</body></html>',
    ),
    '404 Not Found The resource could not be found.',
  );
});
