import fs from 'fs';
import path from 'path';
import yaml from 'yaml';
import { createDbaasActions } from './actions';

const templatesDir = path.resolve(__dirname, '../../../templates');

const templates = fs
  .readdirSync(templatesDir)
  .filter(dir => fs.existsSync(path.join(templatesDir, dir, 'template.yaml')))
  .map(dir => {
    const file = path.join(templatesDir, dir, 'template.yaml');
    return [dir, yaml.parse(fs.readFileSync(file, 'utf8'))] as const;
  });

const actions = new Map(
  createDbaasActions({
    manager: { forCredentials: async () => ({} as any) },
    appBaseUrl: 'http://localhost:3000',
  }).map(a => [a.id, a]),
);

/** The JSON schema properties of a template's parameters, dependencies' branches too. */
function parameterNames(parameters: any[]): Set<string> {
  const names = new Set<string>();
  const collect = (schema: any) => {
    Object.keys(schema?.properties ?? {}).forEach(n => names.add(n));
    Object.values(schema?.dependencies ?? {}).forEach((d: any) =>
      (d.oneOf ?? d.anyOf ?? [d]).forEach(collect),
    );
  };
  [parameters].flat().forEach(collect);
  return names;
}

/** Every `<prefix>.<name>` in the `${{ … }}` expressions of a value. */
function references(value: unknown, prefix: RegExp): string[] {
  const text = JSON.stringify(value ?? null);
  return [...text.matchAll(/\$\{\{(.*?)\}\}/g)].flatMap(([, expression]) =>
    [...expression.matchAll(prefix)].map(m => m[1]),
  );
}

describe.each(templates)('template %s', (_dir, template) => {
  it('is a v1beta3 template with a name of its own', () => {
    expect(template.apiVersion).toBe('scaffolder.backstage.io/v1beta3');
    expect(template.kind).toBe('Template');
    expect(template.metadata.name).toBe(_dir);
  });

  it('gives each dbaas step the inputs its action takes', () => {
    for (const step of template.spec.steps) {
      if (!String(step.action).startsWith('dbaas:')) continue;
      const action = actions.get(step.action);
      expect(action).toBeDefined();
      const schema = action!.schema!.input as any;
      const inputs = Object.keys(step.input ?? {});
      expect(
        inputs
          .filter(k => !(k in schema.properties))
          .map(k => `${step.id}.${k}`),
      ).toEqual([]);
      expect(
        (schema.required ?? []).filter((k: string) => !inputs.includes(k)),
      ).toEqual([]);
    }
  });

  it('refers only to parameters it asks for and outputs its steps give', () => {
    const names = parameterNames(template.spec.parameters);
    const asked = references(template.spec.steps, /parameters\.(\w+)/g);
    expect(asked.filter(n => !names.has(n))).toEqual([]);

    const outputs = [template.spec.steps, template.spec.output].flatMap(v =>
      references(v, /steps\.([\w-]+\.output\.\w+)/g),
    );
    for (const ref of outputs) {
      const [stepId, , name] = ref.split('.');
      const step = template.spec.steps.find((s: any) => s.id === stepId);
      expect({ ref, step: step?.id }).toEqual({ ref, step: stepId });
      const action = actions.get(step.action);
      if (!action) continue;
      expect({
        ref,
        known: name in ((action.schema?.output as any)?.properties ?? {}),
      }).toEqual({ ref, known: true });
    }
  });
});

it('finds the restore template', () => {
  expect(templates.map(([dir]) => dir)).toContain('restore-database');
});
