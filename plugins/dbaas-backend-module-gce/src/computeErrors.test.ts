import { RuntimeFault } from '@dbaas/plugin-dbaas-node';
import { silentLogger } from '@dbaas/plugin-dbaas-node/testUtils';
import {
  GceFault,
  isRetryable,
  isZoneExhausted,
  OperationError,
  redact,
  toRuntimeFault,
  withRetries,
} from './computeErrors';

const config = { project: 'dbaas-test' };
/** An error as the REST transport throws it. */
const googleError = (httpStatusCode: number, message: string, code = 0) =>
  Object.assign(new Error(message), { httpStatusCode, code });

describe('toRuntimeFault', () => {
  it('maps quota answers to HOST_CAPACITY, naming the project', () => {
    const fault = toRuntimeFault(
      'instances.insert',
      googleError(
        403,
        "Quota 'CPUS' exceeded.  Limit: 24.0 in region europe-west1.",
        7,
      ),
      config,
    ) as GceFault;
    expect(fault).toBeInstanceOf(RuntimeFault);
    expect(fault.code).toBe('HOST_CAPACITY');
    expect(fault.reason).toBe('QUOTA_EXCEEDED');
    expect(fault.message).toBe(
      "GCE instances.insert failed: Quota 'CPUS' exceeded.  Limit: 24.0 in region europe-west1. (a quota of project dbaas-test is used up: raise it in the console's Quotas page, or delete unused VMs and disks)",
    );
    const op = toRuntimeFault(
      'instances.insert',
      new OperationError(
        ['QUOTA_EXCEEDED'],
        "QUOTA_EXCEEDED: Quota 'SSD_TOTAL_GB' exceeded",
      ),
      config,
    ) as RuntimeFault;
    expect(op.code).toBe('HOST_CAPACITY');
  });

  it('maps ZONE_RESOURCE_POOL_EXHAUSTED to HOST_CAPACITY, suggesting more zones', () => {
    const error = new OperationError(
      ['ZONE_RESOURCE_POOL_EXHAUSTED'],
      'ZONE_RESOURCE_POOL_EXHAUSTED: The zone does not have enough resources',
    );
    expect(isZoneExhausted(error)).toBe(true);
    const fault = toRuntimeFault('instances.insert', error, config) as GceFault;
    expect(fault.code).toBe('HOST_CAPACITY');
    expect(fault.reason).toBe('ZONE_RESOURCE_POOL_EXHAUSTED');
    expect(fault.message).toContain('add zones to dbaas.runtimes.gce.zones');
    expect(isZoneExhausted(fault)).toBe(true);
    expect(isRetryable(error)).toBe(false);
  });

  it('maps 403 and 401 to HOST_PERMISSION, naming what to grant', () => {
    const fault = toRuntimeFault(
      'instances.insert',
      googleError(
        403,
        "Required 'compute.instances.create' permission for 'projects/dbaas-test/zones/europe-west1-b/instances/x'",
        7,
      ),
      config,
    ) as RuntimeFault;
    expect(fault.code).toBe('HOST_PERMISSION');
    expect(fault.message).toContain(
      "grant the backend's service account compute.instances.create, compute.disks.create",
    );
    expect(fault.message).toContain('iam.serviceAccounts.actAs');
    expect(fault.message).toContain('deploy/terraform/gcp');
    const del = toRuntimeFault(
      'disks.delete',
      googleError(403, 'Forbidden', 7),
      config,
    );
    expect(del.message).toBe(
      "GCE disks.delete failed: Forbidden (grant the backend's service account compute.disks.delete in project dbaas-test; deploy/terraform/gcp has the custom role it needs)",
    );
    expect(
      (
        toRuntimeFault(
          'instances.get',
          googleError(401, 'Unauthenticated', 16),
          config,
        ) as RuntimeFault
      ).code,
    ).toBe('HOST_PERMISSION');
  });

  it('names the key to fix for a missing image, network, subnetwork, machine type, disk type or KMS key', () => {
    const cases: Array<[string, string]> = [
      [
        "The resource 'projects/debian-cloud/global/images/family/debian-99' was not found",
        'imageFamily / imageProject',
      ],
      [
        "The resource 'projects/dbaas-test/global/networks/nope' was not found",
        'network',
      ],
      [
        "The resource 'projects/dbaas-test/regions/europe-west1/subnetworks/nope' was not found",
        'subnetwork',
      ],
      [
        "The resource 'projects/dbaas-test/zones/europe-west1-b/machineTypes/e2-huge' was not found",
        'the flavor (runtimeHints.gce.machineType) or defaultMachineType',
      ],
      [
        "The resource 'projects/dbaas-test/zones/europe-west1-b/diskTypes/pd-fast' was not found",
        'diskType',
      ],
    ];
    for (const [message, key] of cases) {
      const fault = toRuntimeFault(
        'instances.insert',
        googleError(404, message, 5),
        config,
      );
      expect([message, (fault as RuntimeFault).code, fault.message]).toEqual([
        message,
        'HOST_UNAVAILABLE',
        `GCE instances.insert failed: ${message} (check dbaas.runtimes.gce: ${key})`,
      ]);
    }
  });

  it('never puts a credential in a message', () => {
    const fault = toRuntimeFault(
      'instances.get',
      googleError(
        400,
        'bad request with Authorization: Bearer ya29.a0AfH6SMBsecret and {"access_token":"ya29.other","private_key":"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----"}',
      ),
      config,
    );
    expect(fault.message).not.toMatch(/ya29|secret|MIIE/);
    expect(
      redact(
        '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----',
      ),
    ).toBe('[redacted private key]');
  });

  it('keeps RuntimeFaults and aborts as they are', () => {
    const fault = new RuntimeFault('HOST_UNAVAILABLE', 'x');
    expect(toRuntimeFault('instances.get', fault, config)).toBe(fault);
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(toRuntimeFault('instances.get', abort, config)).toBe(abort);
  });
});

describe('isRetryable', () => {
  it('retries 429, 5xx, rate limits and network errors, not quota, capacity, 4xx', () => {
    expect(isRetryable(googleError(429, 'Too Many Requests', 8))).toBe(true);
    expect(isRetryable(googleError(503, 'Service Unavailable', 14))).toBe(true);
    expect(isRetryable(googleError(500, 'Internal error', 13))).toBe(true);
    expect(
      isRetryable(
        googleError(403, 'Rate Limit Exceeded (rateLimitExceeded)', 7),
      ),
    ).toBe(true);
    expect(
      isRetryable(
        Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      ),
    ).toBe(true);
    expect(isRetryable(googleError(403, "Quota 'CPUS' exceeded", 7))).toBe(
      false,
    );
    expect(isRetryable(googleError(403, 'Forbidden', 7))).toBe(false);
    expect(isRetryable(googleError(404, 'not found', 5))).toBe(false);
    expect(isRetryable(googleError(400, 'Invalid value', 3))).toBe(false);
  });
});

describe('withRetries', () => {
  it('retries a 429 with backoff up to maxAttempts, then gives the mapped fault', async () => {
    const warnings: string[] = [];
    const logger = {
      ...silentLogger,
      warn: (m: string) => void warnings.push(m),
    };
    let calls = 0;
    await expect(
      withRetries(
        'instances.get',
        async () => {
          calls++;
          if (calls < 3) throw googleError(429, 'Too Many Requests', 8);
          return 'ok';
        },
        { maxAttempts: 3, baseDelayMs: 1, logger, config },
      ),
    ).resolves.toBe('ok');
    expect(calls).toBe(3);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^GCE instances.get: HTTP 429 Too Many Requests; retrying in \d+ ms \(attempt 2 of 3\)$/,
      ),
      expect.stringMatching(/\(attempt 3 of 3\)$/),
    ]);

    calls = 0;
    await expect(
      withRetries(
        'instances.get',
        async () => {
          calls++;
          throw googleError(503, 'Service Unavailable', 14);
        },
        { maxAttempts: 2, baseDelayMs: 1, logger, config },
      ),
    ).rejects.toMatchObject({
      code: 'HOST_UNAVAILABLE',
      message: 'GCE instances.get failed: Service Unavailable',
    });
    expect(calls).toBe(2);

    calls = 0;
    await expect(
      withRetries(
        'instances.insert',
        async () => {
          calls++;
          throw googleError(403, 'Forbidden', 7);
        },
        { maxAttempts: 5, baseDelayMs: 1, logger, config },
      ),
    ).rejects.toMatchObject({ code: 'HOST_PERMISSION' });
    expect(calls).toBe(1);
  });
});
