/**
 * Issue 19: JSON text serialised once with named holes, filled many times. A conversion signs thousands of records
 * that differ only in a few fields (the seal, its certificate and the type's items are the same for every row), so
 * the constant parts are serialised (and escaped) once per batch and each row splices its own values in.
 *
 * A value is made with `hole(name)` where a row's value goes; serialising it (with JSON.stringify or canonicalJson:
 * a hole is a plain string, so it moves no key) gives a text that `jsonTemplate` cuts at the holes. Filling puts
 * each value's own serialisation where its hole's quoted string was, so the result is the serialisation of the
 * value with the row's values in place.
 */

const MARK = '\uE000'; // a private-use character: not escaped by JSON.stringify, and not in the platform's data

/** The placeholder for a row's value (lower-case letters: it survives `toLowerCase`). */
export const hole = (name: string): string => `${MARK}${name}${MARK}`;

export interface JsonTemplate {
  /** The constant texts: one more than the holes. */
  texts: string[];
  /** The hole between texts[i] and texts[i + 1]. */
  holes: string[];
}

const HOLE = new RegExp(`"${MARK}([a-z]+)${MARK}"`, 'g');

/** Cuts a serialised value at its holes; `encode` is applied to each constant text (a per-character escape). */
export function jsonTemplate(text: string, encode: (text: string) => string = (t) => t): JsonTemplate {
  const cut = text.split(HOLE); // constant, hole, constant, hole, …, constant
  const texts = cut.filter((_, i) => i % 2 === 0).map(encode);
  const holes = cut.filter((_, i) => i % 2 === 1);
  if (texts.some((t) => t.includes(MARK))) throw new Error('a template hole is not a whole JSON string');
  return { texts, holes };
}

/**
 * The template with each hole replaced by the value given for it, serialised and encoded by `serialise` (by default
 * the values are already). Only the template's own holes are serialised: a value without a hole costs nothing.
 */
export function fillJsonTemplate(
  template: JsonTemplate,
  values: Record<string, unknown>,
  serialise: (value: unknown) => string = (value) => value as string,
): string {
  let out = template.texts[0]!;
  for (let i = 0; i < template.holes.length; i++) {
    const name = template.holes[i]!;
    const value = name in values ? serialise(values[name]) : undefined;
    if (value === undefined) throw new Error(`no value for the template hole ${name}`);
    out += value + template.texts[i + 1]!;
  }
  return out;
}
