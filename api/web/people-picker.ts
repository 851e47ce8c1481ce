/**
 * Issue 17 Build 6: a people picker by unit and name. The form sends usernames, but the person choosing reads
 * names under their unit: one group per unit (the units in Chinese order), the people by name inside it. A single
 * choice renders as a select with one optgroup per unit, several as a checkbox list per unit with a name filter
 * (templates/partials/people-picker.hbs; the filter is templates/static/people-picker.js).
 */
export interface PickablePerson {
  username: string;
  displayName: string;
  organisationName: string;
}

export interface PickerGroup {
  unit: string;
  people: Array<{ username: string; name: string; selected: boolean }>;
}

const byChinese = (a: string, b: string) => a.localeCompare(b, 'zh-CN');

export function peopleByUnit(people: readonly PickablePerson[], selected: readonly string[]): PickerGroup[] {
  const groups = new Map<string, PickerGroup>();
  for (const p of people) {
    const group = groups.get(p.organisationName) ?? { unit: p.organisationName, people: [] };
    group.people.push({ username: p.username, name: p.displayName, selected: selected.includes(p.username) });
    groups.set(p.organisationName, group);
  }
  return [...groups.values()]
    .sort((a, b) => byChinese(a.unit, b.unit))
    .map((g) => ({ ...g, people: g.people.sort((a, b) => byChinese(a.name, b.name)) }));
}

/** The picker's view for a field: its name, whether several may be chosen, the groups and the field's error. */
export function peoplePicker(
  field: string,
  people: readonly PickablePerson[],
  selected: readonly string[],
  options: { many: boolean; required: boolean; error?: string | undefined },
) {
  return {
    field,
    domId: field.replace(/[^A-Za-z0-9_-]/g, '-'),
    many: options.many,
    required: options.required,
    groups: peopleByUnit(people, selected),
    chosenCount: selected.length,
    error: options.error,
  };
}
