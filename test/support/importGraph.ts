import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Each file (relative to the root) and the files it imports, type-only imports included. */
export type ImportGraph = Map<string, Set<string>>;

/** Static (`import … from`, `export … from`) and dynamic (`import('…')`) imports of a relative path. */
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)'|import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g;

/** The relative imports of every .ts file under `dir`, each resolved to the .ts file it names. */
export function importGraph(root: string, dir: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const path of readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })) {
    if (!path.endsWith('.ts') || path.endsWith('.d.ts')) continue;
    const file = join(dir, path);
    const imports = new Set<string>();
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(IMPORT)) {
      imports.add(relative(root, resolve(root, dirname(file), m[1] ?? m[2]!)).replace(/\.js$/, '.ts'));
    }
    graph.set(file, imports);
  }
  return graph;
}

/** The same graph between the top-level folders of `dir` (a file directly in it stands for itself); imports within one folder drop out. */
export function folderGraph(graph: ImportGraph, dir: string): ImportGraph {
  const unit = (file: string): string => relative(dir, file).split('/')[0]!;
  const folders: ImportGraph = new Map();
  for (const [file, imports] of graph) {
    const from = unit(file);
    const to = folders.get(from) ?? new Set();
    for (const target of imports) if (unit(target) !== from) to.add(unit(target));
    folders.set(from, to);
  }
  return folders;
}

/** Every cycle, as the sorted members of each strongly connected component of two or more nodes (Tarjan's algorithm). */
export function cycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (stack.includes(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}

/** The imports that tie one cycle together, `a -> b` each, for a message that says where to look. */
export function edgesWithin(graph: ImportGraph, members: string[]): string[] {
  const inside = new Set(members);
  return members.flatMap((from) => [...(graph.get(from) ?? [])].filter((to) => inside.has(to)).map((to) => `${from} -> ${to}`));
}
