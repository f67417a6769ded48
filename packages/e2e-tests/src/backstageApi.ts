/** Small helpers for the portal's REST APIs, as a signed-in guest. */

export async function guestToken(backendUrl: string): Promise<string> {
  const res = await fetch(`${backendUrl}/api/auth/guest/refresh`, {
    method: 'POST',
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  if (!res.ok)
    throw new Error(`guest sign-in failed: ${res.status} ${await res.text()}`);
  return (await res.json()).backstageIdentity.token;
}

export async function api<T = any>(
  backendUrl: string,
  token: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${backendUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      Authorization: `Bearer ${token}`,
      ...(init.body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export interface TaskResult {
  status: string;
  output: Record<string, any>;
  log: string[];
}

/** Runs a template through the scaffolder's REST API and waits for the task to end. */
export async function runTemplate(
  backendUrl: string,
  token: string,
  templateRef: string,
  values: Record<string, unknown>,
): Promise<TaskResult> {
  const created = await api(backendUrl, token, '/api/scaffolder/v2/tasks', {
    method: 'POST',
    body: { templateRef, values },
  });
  if (created.status !== 201) {
    throw new Error(
      `task not created: ${created.status} ${JSON.stringify(created.body)}`,
    );
  }
  const id = created.body.id;
  const deadline = Date.now() + 180_000;
  for (;;) {
    const task = await api(backendUrl, token, `/api/scaffolder/v2/tasks/${id}`);
    if (['completed', 'failed', 'cancelled'].includes(task.body.status)) {
      const events = await api(
        backendUrl,
        token,
        `/api/scaffolder/v2/tasks/${id}/events`,
      );
      const completion = events.body.find((e: any) => e.type === 'completion');
      return {
        status: task.body.status,
        output: completion?.body.output ?? {},
        log: events.body.map((e: any) => String(e.body.message)),
      };
    }
    if (Date.now() > deadline)
      throw new Error(`task ${id} did not finish in time`);
    await new Promise(resolve => setTimeout(resolve, 500));
  }
}

/**
 * Polls GET `path` until `done` holds for its answer; fails after `timeoutMs`, saying
 * what it waited for and the last answer.
 */
export async function waitForApi<T = any>(
  backendUrl: string,
  token: string,
  path: string,
  what: string,
  done: (answer: { status: number; body: T }) => boolean,
  timeoutMs = 90_000,
): Promise<{ status: number; body: T }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await api<T>(backendUrl, token, path);
    if (done(answer)) return answer;
    if (Date.now() > deadline) {
      throw new Error(
        `Waited ${timeoutMs / 1000} s for ${what} (GET ${path}); last answer: ${
          answer.status
        } ${JSON.stringify(answer.body)}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
}

/**
 * Deletes every database instance the guest can see (turning deletion protection off
 * first) and waits until each is gone; answers the ids it found.
 */
export async function deleteAllInstances(
  backendUrl: string,
  token: string,
): Promise<string[]> {
  const { body } = await api(
    backendUrl,
    token,
    '/api/dbaas/instances?limit=500',
  );
  const instances: Array<{ id: string; deletionProtection: boolean }> =
    body?.items ?? [];
  for (const { id, deletionProtection } of instances) {
    const path = `/api/dbaas/instances/${id}`;
    if (deletionProtection) {
      await api(backendUrl, token, path, {
        method: 'PATCH',
        body: { deletionProtection: false },
      });
    }
    await api(backendUrl, token, path, { method: 'DELETE' });
  }
  for (const { id } of instances) {
    await waitForApi(
      backendUrl,
      token,
      `/api/dbaas/instances/${id}`,
      `instance ${id} to be deleted`,
      ({ status }) => status === 404,
      120_000,
    );
  }
  return instances.map(i => i.id);
}
