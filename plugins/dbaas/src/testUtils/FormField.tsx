import { ComponentType, useState } from 'react';

/**
 * A custom field extension as the scaffolder form holds it: its value in the form's state,
 * each change passed on to `onChange` too. `name` is the field's key, `schema` its JSON schema.
 */
export function FormField<T>(props: {
  component: ComponentType<any>;
  name: string;
  schema: object;
  onChange: (value: T) => void;
}) {
  const { component: Field, name, schema, onChange } = props;
  const [value, setValue] = useState<T>();
  return (
    <Field
      idSchema={{ $id: `root_${name}` }}
      schema={schema}
      required
      rawErrors={[]}
      formData={value}
      onChange={(v: T) => {
        setValue(v);
        onChange(v);
      }}
    />
  );
}
