/**
 * Temporal evaluates the workflow bundle's modules again for every new workflow, so whatever a module does at load
 * time is paid per workflow on the worker's single workflow thread. zod builds its schemas at module load (most of
 * that thread's bundle time in the issuance bench, issue 19), so no zod may reach the bundle: schemas live in
 * `domain/*-schema.ts` modules that only the API and use cases import.
 *
 * The bundle is what webpack reaches from `workflows/index.ts` through value imports (type-only imports are erased);
 * this walks the same graph statically with the TypeScript parser (bundling for real takes too long for a unit test).
 * What a workflow pays for when it starts is the part of that graph loaded at module load: a `require` inside a
 * function loads its module only when the function first runs (domain/approval-actions.ts loads the approval
 * bodies' schemas so, on an approval's first update).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');

/**
 * The module specifiers a file loads at run time: value imports and re-exports, `require`, dynamic `import`; with
 * `atLoad`, only those loaded when the module itself loads (not a `require` inside a function).
 */
export function valueImports(file: string, atLoad = false): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!isTypeOnlyImport(node.importClause)) specs.push(node.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      if (!isTypeOnlyExport(node)) specs.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      const callee = node.expression;
      if (
        callee.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(callee) && callee.text === 'require')
      ) {
        specs.push(node.arguments[0].text);
      }
    }
    if (atLoad && ts.isFunctionLike(node)) return;
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specs;
}

function isTypeOnlyImport(clause: ts.ImportClause | undefined): boolean {
  if (!clause) return false; // `import './x'`: loaded for its effects
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  if (!bindings || ts.isNamespaceImport(bindings)) return false;
  return bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function isTypeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return (
    !!clause &&
    ts.isNamedExports(clause) &&
    clause.elements.length > 0 &&
    clause.elements.every((e) => e.isTypeOnly)
  );
}

function resolveLocal(from: string, spec: string): string {
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base, `${base}.ts`, path.join(base, 'index.ts')];
  const found = candidates.find((c) => c.endsWith('.ts') && existsSync(c));
  if (!found) throw new Error(`${path.relative(ROOT, from)}: cannot resolve ${spec}`);
  return found;
}

/**
 * The files the graph from `entry` loads (with `atLoad`, when `entry` loads), each with the chain of files that
 * first reaches it.
 */
export function filesReached(entry: string, atLoad = false): Map<string, string[]> {
  const files = new Map<string, string[]>([[entry, [path.relative(ROOT, entry)]]]);
  const queue = [entry];
  for (let file = queue.shift(); file; file = queue.shift()) {
    for (const spec of valueImports(file, atLoad).filter((s) => s.startsWith('.'))) {
      const target = resolveLocal(file, spec);
      if (files.has(target)) continue;
      files.set(target, [...files.get(file)!, path.relative(ROOT, target)]);
      queue.push(target);
    }
  }
  return files;
}

const packageOf = (spec: string) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

/** The files of the graph that load `pkg` themselves (with `atLoad`, when `entry` loads), with their chains. */
function loaders(entry: string, pkg: string, atLoad = false): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [file, chain] of filesReached(entry, atLoad)) {
    const specs = valueImports(file, atLoad).filter((s) => !s.startsWith('.'));
    if (specs.some((s) => packageOf(s) === pkg)) found[path.relative(ROOT, file)] = chain.join(' <- ');
  }
  return found;
}

const WORKFLOWS = path.join(ROOT, 'workflows', 'index.ts');

/**
 * Modules in the bundle that build zod schemas, with the reason: shrink, never grow. The approval engine checks an
 * action's body against the action table's schema in the workflow too (its update validator and the transition
 * share `actionProblem`), so its bodies' schemas are in the bundle — loaded on an approval's first update only.
 */
const ZOD_IN_BUNDLE_ALLOWLIST = ['domain/approval-action-bodies.ts'];

it('no module of the workflow bundle builds zod schemas beyond the allowlist (schemas live in *-schema.ts)', () => {
  expect(Object.keys(loaders(WORKFLOWS, 'zod')).sort()).toEqual(ZOD_IN_BUNDLE_ALLOWLIST);
});

it('no module loads zod when a workflow starts: the approval bodies are loaded on first use (issue 19 Build 3)', () => {
  expect(loaders(WORKFLOWS, 'zod', true)).toEqual({});
  const atLoad = [...filesReached(WORKFLOWS, true).keys()].map((f) => path.relative(ROOT, f));
  expect(atLoad).toContain('domain/approval-actions.ts');
  expect(atLoad).not.toContain('domain/approval-action-bodies.ts');
});

it('the walk reaches the domain modules the workflows use, and the packages they load', () => {
  const files = [...filesReached(WORKFLOWS).keys()].map((f) => path.relative(ROOT, f));
  expect(files).toEqual(expect.arrayContaining(['domain/licence-issuance.ts', 'domain/flow-definition.ts']));
  expect(Object.keys(loaders(WORKFLOWS, '@temporalio/workflow')).length).toBeGreaterThan(10);
});

it('the API modules do reach the schemas, so the walk would see them if a workflow imported one', () => {
  const found = loaders(path.join(ROOT, 'api', 'services', 'licences.ts'), 'zod');
  expect(Object.keys(found)).toContain('domain/licence-issuance-schema.ts');
});

it('type-only imports are not followed, value imports are', () => {
  const specs = valueImports(path.join(ROOT, 'domain', 'licence-issuance.ts'));
  expect(specs).toContain('./uscc');
  expect(specs).not.toContain('./licence-issuance-schema'); // `import type` and `export type … from`
});
