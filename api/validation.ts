/** Validation at the edge with zod; messages in Chinese (zh-CN locale), each naming its field and rule. */
import { z } from 'zod';
import { badRequest, FieldProblem } from './errors';
import { nulProblem } from './nul-characters';

z.config(z.locales.zhCN());

export function problemsOf(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    field:
      issue.code === 'unrecognized_keys'
        ? [...issue.path, ...issue.keys].join('.')
        : issue.path.length > 0
          ? issue.path.join('.')
          : 'body',
    rule: issue.code,
    // The locale lists the allowed values as the code spells them ("single"|"all"): a clerk reads words.
    message: issue.code === 'invalid_value' ? '取值不在允许的选项之中' : issue.message,
  }));
}

export function parse<T extends z.ZodType>(schema: T, data: unknown): z.infer<T> {
  // Bodies parsed after the global check (forms) are checked here (api/nul-characters.ts).
  const nul = nulProblem(data, '');
  if (nul) throw badRequest([nul]);
  const result = schema.safeParse(data);
  if (!result.success) throw badRequest(problemsOf(result.error));
  return result.data;
}
