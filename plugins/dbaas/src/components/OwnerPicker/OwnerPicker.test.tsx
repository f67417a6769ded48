import { Entity } from '@backstage/catalog-model';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { ApiHolder, identityApiRef } from '@backstage/frontend-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { FormField } from '../../testUtils/FormField';
import { OwnerPicker } from './OwnerPicker';
import { validateOwner } from './validation';

const user = (name: string, displayName?: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name, namespace: 'default' },
  spec: { profile: displayName ? { displayName } : {}, memberOf: [] },
});

const group = (name: string, members: string[], title?: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name, namespace: 'default', ...(title ? { title } : {}) },
  spec: { type: 'team', children: [] },
  relations: members.map(m => ({ type: 'hasMember', targetRef: m })),
});

const entities = [
  user('alice', 'Alice Liddell'),
  user('bob'),
  group('team-b', ['user:default/alice'], 'Team B'),
  group('team-a', ['user:default/alice'], 'Team A'),
  group('guests', ['user:default/alice']),
  group('platform-admins', ['user:default/bob'], 'Platform admins'),
];

function apis(
  identity: { userEntityRef: string; ownershipEntityRefs?: string[] },
  catalogEntities: Entity[] = entities,
) {
  return [
    [
      identityApiRef,
      mockApis.identity({
        ownershipEntityRefs: [identity.userEntityRef],
        ...identity,
      }),
    ],
    [catalogApiRef, catalogApiMock({ entities: catalogEntities })],
  ] as const;
}

function render(
  identity: { userEntityRef: string; ownershipEntityRefs?: string[] },
  catalogEntities?: Entity[],
) {
  const onChange = jest.fn();
  const rendered = renderInTestApp(
    <FormField
      component={OwnerPicker}
      name="owner"
      schema={{ title: 'Owner', type: 'string' }}
      onChange={onChange}
    />,
    {
      apis: apis(identity, catalogEntities),
    },
  );
  return { onChange, rendered };
}

async function openOptions() {
  fireEvent.mouseDown(await screen.findByRole('button', { name: /Owner/ }));
  const options = within(await screen.findByRole('listbox')).getAllByRole(
    'option',
  );
  return options;
}

describe('OwnerPicker', () => {
  it("offers the user's groups by title, then the user, and defaults to the first group", async () => {
    const { onChange } = render({ userEntityRef: 'user:default/alice' });

    await waitFor(() =>
      expect(onChange).toHaveBeenCalledWith('group:default/guests'),
    );
    expect(
      await screen.findByText('guests (group:default/guests)'),
    ).toBeInTheDocument();

    const options = await openOptions();
    expect(options.map(o => o.textContent)).toEqual([
      'guestsgroup:default/guests',
      'Team Agroup:default/team-a',
      'Team Bgroup:default/team-b',
      'Alice Liddell (you)user:default/alice',
    ]);

    fireEvent.click(options[3]);
    expect(onChange).toHaveBeenLastCalledWith('user:default/alice');
    expect(
      await screen.findByText('Alice Liddell (user:default/alice)'),
    ).toBeInTheDocument();
  });

  it('defaults to the user when they are in no group', async () => {
    const { onChange } = render({ userEntityRef: 'user:default/carol' }, [
      ...entities,
      user('carol'),
    ]);

    await waitFor(() =>
      expect(onChange).toHaveBeenCalledWith('user:default/carol'),
    );
    const options = await openOptions();
    expect(options.map(o => o.textContent)).toEqual([
      'carol (you)user:default/carol',
    ]);
  });

  it('adds the groups of the sign-in that the catalog knows, and nothing it does not', async () => {
    render({
      userEntityRef: 'user:default/bob',
      ownershipEntityRefs: [
        'user:default/bob',
        'group:default/team-a',
        'group:default/ghosts',
      ],
    });

    const options = await openOptions();
    expect(options.map(o => o.textContent)).toEqual([
      'Platform adminsgroup:default/platform-admins',
      'Team Agroup:default/team-a',
      'bob (you)user:default/bob',
    ]);
  });

  it('says why there is nothing to pick when the user is in no catalog', async () => {
    const { onChange } = render({ userEntityRef: 'user:development/guest' });

    expect(
      await screen.findByText(
        /No owner to offer: you \(user:development\/guest\) are not a User of the catalog/,
      ),
    ).toBeInTheDocument();
    expect(onChange).not.toHaveBeenCalled();
  });
});

describe('validateOwner', () => {
  function holder(identity: { userEntityRef: string }): ApiHolder {
    const [[, identityApi], [, catalogApi]] = apis(identity);
    const byId = new Map<string, unknown>([
      [identityApiRef.id, identityApi],
      [catalogApiRef.id, catalogApi],
    ]);
    return { get: ref => byId.get(ref.id) as any };
  }

  async function errorsFor(owner: string | undefined) {
    const addError = jest.fn();
    await validateOwner(owner as string, { addError } as any, {
      apiHolder: holder({ userEntityRef: 'user:default/alice' }),
    });
    return addError.mock.calls.map(c => c[0]);
  }

  it('accepts the user and their groups', async () => {
    expect(await errorsFor('group:default/team-a')).toEqual([]);
    expect(await errorsFor('user:default/alice')).toEqual([]);
  });

  it('refuses a missing owner and one the user may not pick', async () => {
    expect(await errorsFor(undefined)).toEqual(['Pick an owner']);
    expect(await errorsFor('group:default/platform-admins')).toEqual([
      'You may create databases only for yourself or a group you are a member of; group:default/platform-admins is not one of them',
    ]);
    expect(await errorsFor('user:default/bob')).toEqual([
      'You may create databases only for yourself or a group you are a member of; user:default/bob is not one of them',
    ]);
  });
});
