import { z } from 'zod';
import { cidrProblem, endpointProblem, ipv4Problem, nameProblem, textProblem } from './explain.js';
import { CIDR_PATTERN, IPV4_PATTERN } from './net.js';

/**
 * The shape of lans.yaml. Field-level rules live here; rules that relate
 * several fields (overlaps, uniqueness) live in ./rules. The JSON Schema
 * shipped for editors is generated from this same definition.
 */

/** Safe unquoted in file names, interface names (after a 4-character prefix), CNs, configs and shell. */
export const NAME_PATTERN = /^[a-z][a-z0-9-]{0,9}[a-z0-9]$|^[a-z]$/;
/** A gateway's id: its LAN's name, or <lan>-<gateway> for one of several (each part a NAME). */
export const GATEWAY_ID_PATTERN = /^[a-z][a-z0-9-]{0,21}[a-z0-9]$|^[a-z]$/;
export const NAME_RULE = '1 to 11 characters of lowercase letters, digits and "-", starting with a letter and not ending with "-"';

/** A DNS name by RFC 1123, whose last label is not all digits (so it cannot pass for an address). */
export const HOSTNAME_PATTERN = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

/** Free text that reaches README files: printable ASCII, no quotes, comment, shell or control characters. */
export const TEXT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 .,()&+/_:@-]{0,63}$/;
const TEXT_CHAR = /[A-Za-z0-9 .,()&+/_:@-]/;
const TEXT_PUNCTUATION = '. , ( ) & + / _ : @ -';

/** The certificate organisation: also no "/", "+" or "=", which change meaning in printed subject names (RFC 4514, OpenSSL's one-line form). */
export const ORGANISATION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 .,()&_:@-]{0,63}$/;
const ORGANISATION_CHAR = /[A-Za-z0-9 .,()&_:@-]/;
const ORGANISATION_PUNCTUATION = '. , ( ) & _ : @ -';

/** Either form, as one pattern so the JSON Schema for editors carries it too. */
const ENDPOINT_PATTERN = new RegExp(`${IPV4_PATTERN.source}|${HOSTNAME_PATTERN.source}`);

const name = z.string({ error: 'expected a name' }).regex(NAME_PATTERN, { error: (iss) => nameProblem(iss.input) });
const text = z.string({ error: 'expected text' }).regex(TEXT_PATTERN, { error: (iss) => textProblem(iss.input, TEXT_CHAR, TEXT_PUNCTUATION) });
const organisation = z
  .string({ error: 'expected text' })
  .regex(ORGANISATION_PATTERN, { error: (iss) => textProblem(iss.input, ORGANISATION_CHAR, ORGANISATION_PUNCTUATION) });
const ipv4 = z.string({ error: 'expected an IPv4 address' }).regex(IPV4_PATTERN, { error: (iss) => ipv4Problem(iss.input) });
const cidr = z.string({ error: 'expected a subnet' }).regex(CIDR_PATTERN, { error: (iss) => cidrProblem(iss.input) });
const port = z
  .int({ error: 'expected a whole number' })
  .min(1, { error: 'must be a port from 1 to 65535' })
  .max(65535, { error: 'must be a port from 1 to 65535' });
const endpoint = z
  .string({ error: 'expected a DNS name or IPv4 address' })
  .regex(ENDPOINT_PATTERN, { error: (iss) => endpointProblem(String(iss.input)) })
  .describe('Public DNS name or IPv4 address that peers dial; omit for a gateway that can only dial out');

/** Which firewall the bundle's up.sh loads; both flavours are always shipped in firewall/. */
const FLAVOURS = ['nftables', 'iptables'] as const;
const flavour = z
  .enum(FLAVOURS, { error: 'must be "nftables" or "iptables"' })
  .describe('Which firewall up.sh loads: nftables (one table of its own) or iptables (chains of its own, for older hosts)');
const apply = z
  .boolean({ error: 'expected true or false' })
  .describe('Whether up.sh loads the firewall rules and down.sh removes them; false ships them in firewall/ only');
const allowWanToLan = z
  .boolean({ error: 'expected true or false' })
  .describe(
    'Whether new connections from outside the mesh and the LAN (the WAN side) may be forwarded into the LAN;' +
      " by default only replies and the host's own port forwards (DNAT) pass",
  );

export const FirewallSchema = z
  .strictObject(
    { flavour: flavour.default('nftables'), apply: apply.default(true), allowWanToLan: allowWanToLan.default(false) },
    { error: 'expected a mapping with flavour, apply and allowWanToLan' },
  )
  .describe(
    'Firewall rules every bundle carries: tunnel ports only from peers, forwarding only through the tunnels,' +
      ' no spoofed sources, no new connections from the WAN into the LAN',
  );

/** A per-gateway override: what it leaves out comes from mesh.firewall. */
const FirewallOverrideSchema = z
  .strictObject(
    { flavour: flavour.optional(), apply: apply.optional(), allowWanToLan: allowWanToLan.optional() },
    { error: 'expected a mapping with flavour, apply and allowWanToLan' },
  )
  .describe("This gateway's firewall choice where it differs from mesh.firewall (e.g. iptables on an older host)");

/** AWS ids as the console shows them: a prefix and 8 or 17 lowercase hex digits. They reach a shell script, so nothing else passes. */
const awsId = (prefix: string, what: string) =>
  z
    .string({ error: `expected ${what} id` })
    .regex(new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`), { error: `must be ${what} id like ${prefix}-0123456789abcdef0` });

export const AwsSchema = z
  .strictObject(
    {
      region: z
        .string({ error: 'expected an AWS region' })
        .regex(/^[a-z]{2}(-[a-z]+)+-[1-9][0-9]?$/, { error: 'must be an AWS region like eu-west-1' })
        .describe('Region of the VPC, e.g. eu-west-1'),
      instance: awsId('i', 'an EC2 instance').describe('The gateway instance: its source/destination check is turned off and routes point at it'),
      routeTables: z
        .array(awsId('rtb', 'a route table'), { error: 'expected a list of route table ids' })
        .min(1, { error: 'must list at least one route table, like rtb-0123456789abcdef0' })
        .describe('Route tables of the subnets whose hosts reach the other LANs; each gets a route per remote subnet via the instance'),
      securityGroup: awsId('sg', 'a security group').describe("Security group that admits the peers' tunnel ports and the remote LANs' traffic"),
    },
    { error: 'expected a mapping with region, instance, routeTables and securityGroup' },
  )
  .describe('This LAN is an AWS VPC: the bundle carries aws.sh, which sets up routes, security group and instance with the aws CLI');

/** A login name as useradd(8) accepts it by default; it reaches the Ansible inventory, so nothing else passes. */
export const USER_PATTERN = /^[a-z_][a-z0-9_-]{0,31}$/;

/** How `p2pvpn deploy` reaches the gateway; every field has a default, so the mapping may be left out. */
export const SshSchema = z
  .strictObject(
    {
      host: z
        .string({ error: 'expected a DNS name or IPv4 address' })
        .regex(ENDPOINT_PATTERN, { error: (iss) => endpointProblem(String(iss.input)) })
        .optional()
        .describe('DNS name or IPv4 address p2pvpn deploy connects to; defaults to endpoint'),
      user: z
        .string({ error: 'expected a user name' })
        .regex(USER_PATTERN, {
          error: 'must be a login name: 1 to 32 lowercase letters, digits, "_" and "-", starting with a letter or "_", like "root" or "deploy"',
        })
        .optional()
        .describe('User p2pvpn deploy logs in as; defaults to root'),
      port: port.optional().describe('SSH port of the gateway; defaults to 22'),
    },
    { error: 'expected a mapping with host, user and port' },
  )
  .describe('How p2pvpn deploy reaches this gateway over SSH (Ansible); a gateway with neither ssh.host nor endpoint cannot be deployed');

export const GatewaySchema = z
  .strictObject(
    {
      endpoint: endpoint.optional(),
      listen: ipv4.optional().describe('Local address to listen on when it differs from the endpoint (a gateway behind NAT)'),
      port: port.optional().describe('WireGuard listen port of this gateway; defaults to mesh.wireguard.port'),
      lanAddress: ipv4.describe("The gateway's own address on its LAN: hosts route remote LANs via it"),
      firewall: FirewallOverrideSchema.optional(),
      aws: AwsSchema.optional(),
      ssh: SshSchema.optional(),
    },
    { error: 'expected a mapping with lanAddress and optionally endpoint, listen, port, firewall, aws and ssh' },
  )
  .describe('The Linux box at the edge of the LAN that terminates the tunnels');

/** Each VRRP priority of a LAN's gateways differs, and with the share of links up (0 to 100) stays within keepalived's 1 to 254. */
export const MAX_GATEWAYS = 8;

/** One of several gateways of a LAN: a name of its own, then the fields of a single gateway. */
export const NamedGatewaySchema = z
  .strictObject(
    { name: name.describe("The gateway's name within its LAN; its bundle is <lan>-<name>"), ...GatewaySchema.shape },
    { error: 'expected a mapping with name, lanAddress and optionally endpoint, listen, port, firewall, aws and ssh' },
  )
  .describe('One of the gateways of a LAN with several');

export const LanSchema = z
  .strictObject(
    {
      name: name.describe('Short name used in file, interface and certificate names'),
      description: text.optional().describe('Free text shown in README files'),
      subnets: z
        .array(cidr, { error: 'expected a list of subnets' })
        .min(1, { error: 'must list at least one subnet, like 10.1.0.0/16' })
        .describe('RFC 1918 subnets of this LAN, any prefix length'),
      gateway: GatewaySchema.optional(),
      gateways: z
        .array(NamedGatewaySchema, { error: 'expected a list of gateways' })
        .min(2, { error: 'must list at least two gateways; a LAN with one has "gateway:" instead' })
        .max(MAX_GATEWAYS, { error: `must list at most ${MAX_GATEWAYS} gateways` })
        .optional()
        .describe('Instead of gateway: two or more gateways, one of which holds the vip at a time (needs mesh.routing: bgp)'),
      vip: ipv4
        .optional()
        .describe('With gateways: the address in this LAN that its hosts route the other LANs through, held by VRRP on one gateway at a time'),
    },
    { error: 'expected a mapping with name, subnets and gateway' },
  )
  .superRefine(
    (lan, ctx) => {
      // One of the two, as a required field is reported: positioned at the LAN.
      if (lan.gateway === undefined && lan.gateways === undefined)
        ctx.addIssue({ code: 'custom', path: ['gateway'], message: 'required field "gateway" is missing, add it' });
      if (lan.gateway !== undefined && lan.gateways !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['gateways'], message: 'a LAN has either "gateway" (one) or "gateways" (several), not both; remove one' });
      }
    },
    // Also when other fields of the LAN are wrong, as a missing required field is reported with them.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  )
  .describe('One site: its private subnets and its gateway (or gateways)');

/** A certificate lifetime: up to a hundred years. */
const days = z
  .int({ error: 'expected a whole number of days' })
  .min(1, { error: 'must be at least 1 day' })
  .max(36500, { error: 'must be at most 36500 days' });

const CertificatesSchema = z
  .strictObject(
    {
      organisation: organisation.default('p2pvpn').describe('Organisation (O) in every certificate'),
      caDays: days.default(3650).describe('Lifetime of the CA certificate in days'),
      certDays: days.default(1095).describe('Lifetime of each gateway certificate in days'),
    },
    { error: 'expected a mapping with organisation, caDays and certDays' },
  )
  .describe('OpenVPN certificate authority settings');

export const MeshSchema = z
  .strictObject(
    {
      name: name.describe('Name of the mesh; the WireGuard interface is wg-<name>'),
      backend: z.enum(['openvpn', 'wireguard'], { error: 'must be "openvpn" or "wireguard"' }).describe('Which data plane carries the tunnels'),
      routing: z
        .enum(['static', 'bgp'], { error: 'must be "static" or "bgp"' })
        .default('static')
        .describe('static: routes written into each bundle; bgp: BIRD with BFD on every link learns them, and a LAN may have several gateways'),
      transit: cidr.default('172.19.0.0/16').describe('Private range the tunnel addresses are drawn from'),
      underlayMtu: z
        .int({ error: 'expected a whole number' })
        .min(576, { error: 'must be at least 576, the smallest MTU IPv4 allows' })
        .max(9000, { error: 'must be at most 9000 (jumbo frames)' })
        .default(1500)
        .describe('MTU of the path between gateways; tunnel MTUs are derived from it'),
      openvpn: z
        .strictObject(
          {
            portBase: port.default(11000).describe('Pair N listens on UDP portBase + N'),
            transitLayout: z
              .enum(['compact', 'p2p-vpn'], { error: 'must be "compact" or "p2p-vpn"' })
              .optional()
              .describe(
                'compact (the default): pair N takes the N-th /30 of the transit range;' +
                  ' p2p-vpn: pair N takes .1 and .2 of its N-th /24, as P2P-VPN did (kept by imported meshes)',
              ),
          },
          { error: 'expected a mapping with portBase' },
        )
        .prefault({})
        .describe('OpenVPN settings'),
      wireguard: z
        .strictObject(
          { port: port.default(51820).describe('UDP port every gateway listens on unless it sets its own') },
          { error: 'expected a mapping with port' },
        )
        .prefault({})
        .describe('WireGuard settings'),
      certificates: CertificatesSchema.prefault({}),
      firewall: FirewallSchema.prefault({}),
    },
    { error: 'expected a mapping with name, backend and optionally routing, transit, underlayMtu, openvpn, wireguard, certificates, firewall' },
  )
  .describe('Settings that apply to the whole mesh');

export const LansSchema = z
  .strictObject(
    {
      mesh: MeshSchema,
      lans: z.array(LanSchema, { error: 'expected a list of LANs' }).min(2, { error: 'must list at least two LANs, a mesh needs two ends' }),
    },
    { error: 'expected a mapping with "mesh" and "lans"' },
  )
  .describe('p2pvpn mesh declaration (lans.yaml)');

export type LansConfig = z.output<typeof LansSchema>;
export type Lan = LansConfig['lans'][number];
export type Gateway = NonNullable<Lan['gateway']>;
export type NamedGateway = NonNullable<Lan['gateways']>[number];
export type Routing = LansConfig['mesh']['routing'];
export type Backend = LansConfig['mesh']['backend'];
export type Flavour = (typeof FLAVOURS)[number];
export type AwsConfig = NonNullable<Gateway['aws']>;
export type SshConfig = NonNullable<Gateway['ssh']>;
export type TransitLayout = NonNullable<LansConfig['mesh']['openvpn']['transitLayout']>;
