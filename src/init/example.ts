/**
 * The file `p2pvpn init` writes: templates/init/lans.yaml, a two-LAN mesh
 * that validates as written with every field present and explained, under
 * a yaml-language-server modeline naming `schemaRef`, which gives editors
 * completion and checks.
 */
export function exampleLans(text: string, schemaRef: string): string {
  return `# yaml-language-server: $schema=${schemaRef}\n${text}`;
}
