/** A mistake in what the user gave us: printed without a stack, exit 1. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Documented exit codes; only the bin script turns them into process.exit. */
export const ExitCode = {
  ok: 0,
  userError: 1,
  usage: 2,
  /** `plan`: the mesh's bundles or state would change. */
  changesPending: 3,
  /** `status`: a link of the mesh is not up (named in the output). */
  linksDown: 3,
  /** `deploy`: a gateway failed or was not reached (named in the output). */
  gatewayFailed: 4,
  internal: 70,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
