import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import { Validator } from 'jsonschema';
import yaml from 'yaml';

/**
 * Each example's step input, with its `${{ … }}` expressions replaced by the given sample
 * values, as the scaffolder would render them.
 */
export function exampleInputs(
  examples: TemplateExample[],
  values: Record<string, unknown>,
): Array<{ description: string; input: Record<string, unknown> }> {
  return examples.map(({ description, example }) => {
    const [step] = yaml.parse(example).steps;
    const input = Object.fromEntries(
      Object.entries(step.input as Record<string, unknown>).map(([k, v]) => {
        const expression =
          typeof v === 'string' ? /^\$\{\{\s*(.+?)\s*\}\}$/.exec(v) : null;
        if (!expression) return [k, v];
        if (!(expression[1] in values)) {
          throw new Error(
            `no sample value for ${expression[1]} in ${description}`,
          );
        }
        return [k, values[expression[1]]];
      }),
    );
    return { description, input };
  });
}

/** The errors of an input against an action's input schema (empty when valid). */
export function inputErrors(
  action: { schema?: { input?: unknown } },
  input: unknown,
): string[] {
  return new Validator()
    .validate(input, action.schema?.input as any)
    .errors.map(e => e.stack);
}
