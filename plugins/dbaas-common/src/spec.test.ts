import { z } from 'zod';
import {
  BACKUP_STATUSES,
  BACKUP_TRIGGERS,
  BackupStatus,
  BackupTrigger,
  createInstanceRequestSchema,
  CreateInstanceRequest,
  OPERATION_TYPES,
  PendingOperationType,
  DELETING_PHASES,
  ENGINES,
  Engine,
  EVENT_TYPES,
  FAULT_CODES,
  FaultCode,
  Flavor,
  flavorSchema,
  HEALTH_STATES,
  HealthState,
  InstanceEventType,
  LIFECYCLE_STATUSES,
  LifecycleStatus,
  listInstancesQuerySchema,
  DbaasApiOperations,
  Phase,
  PROVISIONING_PHASES,
  updateInstanceRequestSchema,
  UpdateInstanceRequest,
} from '.';

/** Each type accepts every value of the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/*
 * The types are the spec's; the zod checks and the lists of enum values are written by hand.
 * A check or a list that drifts from the spec makes one of these `false`, and the assignment
 * of `true` below fails type-checking (yarn tsc).
 */
const agreements: Record<string, true> = {
  'createInstanceRequestSchema is CreateInstanceRequest': true as Same<
    z.infer<typeof createInstanceRequestSchema>,
    CreateInstanceRequest
  >,
  'updateInstanceRequestSchema is UpdateInstanceRequest': true as Same<
    z.infer<typeof updateInstanceRequestSchema>,
    UpdateInstanceRequest
  >,
  'flavorSchema is Flavor': true as Same<z.infer<typeof flavorSchema>, Flavor>,
  // (limit and offset have defaults: the check's answer always has them)
  "listInstancesQuerySchema is GET /instances's query": true as Same<
    Partial<z.infer<typeof listInstancesQuerySchema>>,
    NonNullable<DbaasApiOperations['listInstances']['parameters']['query']>
  >,
  'ENGINES lists Engine': true as Same<(typeof ENGINES)[number], Engine>,
  'LIFECYCLE_STATUSES lists LifecycleStatus': true as Same<
    (typeof LIFECYCLE_STATUSES)[number],
    LifecycleStatus
  >,
  'HEALTH_STATES lists HealthState': true as Same<
    (typeof HEALTH_STATES)[number],
    HealthState
  >,
  'the phases list Phase': true as Same<
    (typeof PROVISIONING_PHASES)[number] | (typeof DELETING_PHASES)[number],
    Phase
  >,
  'FAULT_CODES lists FaultCode': true as Same<
    (typeof FAULT_CODES)[number],
    FaultCode
  >,
  'BACKUP_STATUSES lists BackupStatus': true as Same<
    (typeof BACKUP_STATUSES)[number],
    BackupStatus
  >,
  'BACKUP_TRIGGERS lists BackupTrigger': true as Same<
    (typeof BACKUP_TRIGGERS)[number],
    BackupTrigger
  >,
  'OPERATION_TYPES and the operations asked otherwise list PendingOperationType':
    true as Same<
      | (typeof OPERATION_TYPES)[number]
      | 'resize-storage'
      | 'create-user'
      | 'delete-user'
      | 'create-database'
      | 'delete-database'
      | 'set-parameters'
    | 'change-flavor',
      PendingOperationType
    >,
  'EVENT_TYPES lists InstanceEventType': true as Same<
    (typeof EVENT_TYPES)[number],
    InstanceEventType
  >,
};

describe('the hand-written checks and lists', () => {
  it('agree with the types generated from the OpenAPI spec', () => {
    expect(Object.values(agreements).every(Boolean)).toBe(true);
  });
});
