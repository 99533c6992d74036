import { Graphviz } from '@hpcc-js/wasm-graphviz';

/** Lays out and draws a DOT graph as SVG with Graphviz compiled to WebAssembly: no native install, works offline. */
export async function renderSvg(dot: string): Promise<string> {
  const graphviz = await Graphviz.load();
  return graphviz.layout(dot, 'svg', 'neato');
}
