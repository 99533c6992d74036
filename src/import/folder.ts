/** One entry of servers/: a tunnel end's config, or a link naming the gateway of an end. */
export interface ServerEntry {
  name: string;
  text?: string;
  linkTarget?: string;
}

/** The raw contents of a P2P-VPN working folder that `import` reads; read by io/ancestorFolder.ts, parsed here. */
export interface AncestorFolder {
  dir: string;
  cache?: string;
  pairId?: string;
  servers: ServerEntry[];
  /** keys/<file> → text, for every regular file in keys/. */
  keys: Map<string, string>;
}
