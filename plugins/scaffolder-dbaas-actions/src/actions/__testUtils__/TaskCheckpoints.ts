type Checkpoint = <T>(options: {
  key: string;
  fn: () => Promise<T> | T;
}) => Promise<T>;

type Saved =
  | { status: 'success'; value: unknown }
  | { status: 'failed'; reason: string };

/**
 * The checkpoints of one scaffolder task, kept across its runs as the scaffolder backend
 * keeps them (NunjucksWorkflowRunner with StorageTaskBroker): each is saved under
 * `v1.task.checkpoint.<step id>.<key>`, its value only after `fn` succeeded. A run sees
 * what earlier runs saved, read when it starts; a successful one is returned without
 * calling `fn` again; a failed one runs `fn` again.
 */
export class TaskCheckpoints {
  readonly saved = new Map<string, Saved>();

  /** `ctx.checkpoint` for one run of one step, e.g. `{ checkpoint: task.run('provision') }`. */
  run(stepId: string): Checkpoint {
    const previous = new Map(this.saved);
    return async ({ key, fn }) => {
      const savedKey = `v1.task.checkpoint.${stepId}.${key}`;
      const earlier = previous.get(savedKey);
      if (earlier?.status === 'success') return earlier.value as any;
      let value;
      try {
        value = await fn();
      } catch (error) {
        this.saved.set(savedKey, { status: 'failed', reason: String(error) });
        throw error;
      }
      this.saved.set(savedKey, { status: 'success', value: value ?? {} });
      return value;
    };
  }
}
