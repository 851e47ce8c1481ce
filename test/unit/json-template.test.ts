/**
 * Issue 19: domain/json-template.ts — a value serialised once with holes, filled per row, gives what serialising the
 * whole value gives; a value the template has no hole for is not serialised (a conversion's metadata has no
 * `data`, the row's biggest value).
 */
import { fillJsonTemplate, hole, jsonTemplate } from '../../domain/json-template';

describe('json templates', () => {
  const value = (name: unknown, tags: unknown) => ({ kind: 'licence', name, tags, version: 1 });
  const template = jsonTemplate(JSON.stringify(value(hole('name'), hole('tags'))));

  it('filling the holes gives the serialisation of the whole value', () => {
    const row = { name: '晋城 "A"\n', tags: ['x', { y: null }] };
    expect(fillJsonTemplate(template, row, JSON.stringify)).toBe(JSON.stringify(value(row.name, row.tags)));
  });

  it('serialises only the holes the template has', () => {
    const serialised: unknown[] = [];
    const serialise = (v: unknown) => {
      serialised.push(v);
      return JSON.stringify(v);
    };
    fillJsonTemplate(template, { name: 'n', tags: [], data: { big: 'x'.repeat(1000) } }, serialise);
    expect(serialised).toEqual(['n', []]);
  });

  it('values already serialised are spliced as given; a missing one is an error', () => {
    expect(fillJsonTemplate(template, { name: '"n"', tags: '[]' })).toBe(JSON.stringify(value('n', [])));
    expect(() => fillJsonTemplate(template, { name: '"n"' })).toThrow('no value for the template hole tags');
  });
});
