/**
 * The file `p2pvpn init` writes: a two-LAN mesh that validates as written,
 * with every field of lans.yaml present and explained, so that editing it
 * is easier than reading documentation. `schemaRef` goes into the
 * yaml-language-server modeline that gives editors completion and checks.
 */
export function exampleLans(schemaRef: string): string {
  return `# yaml-language-server: $schema=${schemaRef}
# lans.yaml: the mesh p2pvpn builds, one tarball per gateway.
#   p2pvpn validate lans.yaml    check this file, write nothing
#   p2pvpn show lans.yaml        LANs, links, ports and addresses as a table
#   p2pvpn generate lans.yaml    write out/<lan>.tar.gz for every gateway
#   p2pvpn deploy lans.yaml      roll the bundles out to the gateways with Ansible
# Fields marked (default) may be left out; the value shown is the default.

mesh:
  # Name of the mesh: 1 to 11 lowercase letters, digits and "-".
  # The WireGuard interface is wg-<name>; the OpenVPN CA is "<name> CA".
  name: example
  # The data plane: wireguard (one interface and one UDP port per gateway)
  # or openvpn (one process, one tun device and one UDP port per link).
  backend: wireguard
  # (default) Private range the tunnel addresses are drawn from; it must not
  # overlap any LAN. WireGuard uses one address per gateway, OpenVPN a /30 per link.
  transit: 172.19.0.0/16
  # (default) MTU of the path between gateways; the tunnel MTU is derived from it.
  underlayMtu: 1500
  # WireGuard only.
  wireguard:
    port: 51820       # (default) UDP port every gateway listens on, unless it sets gateway.port
  # OpenVPN only.
  openvpn:
    portBase: 11000   # (default) the link numbered N uses UDP port portBase + N at both ends
    transitLayout: compact  # (default) link N takes the N-th /30 of transit; p2p-vpn: .1/.2 of
                            # its N-th /24, as P2P-VPN did (set by "p2pvpn import")
  # OpenVPN only: the certificate authority p2pvpn creates and keeps in the state folder.
  certificates:
    organisation: p2pvpn   # (default) O= in every certificate
    caDays: 3650           # (default) lifetime of the CA certificate, in days
    certDays: 1095         # (default) lifetime of each gateway certificate, in days
  # Firewall rules every bundle carries in firewall/: tunnel ports only from the
  # peers, forwarding only through the tunnels, no spoofed sources, fail closed,
  # and no new connections from the WAN side into the LAN.
  firewall:
    flavour: nftables     # (default) or iptables, for older hosts; both flavours are shipped
    apply: true           # (default) up.sh loads the rules and down.sh removes them; false ships them only
    allowWanToLan: false  # (default) true lets new connections from the WAN side into the LAN

# Every LAN (site) and its gateway; a mesh needs at least two. The order does
# not matter: numbers, ports and addresses are kept in the state folder beside
# this file (lans.state/ for lans.yaml) and never change while a LAN stays.
lans:
  - name: office              # short name: used in file, interface and certificate names
    description: Head office  # (optional) free text shown in the bundle's README
    subnets:                  # private (RFC 1918) subnets behind this gateway, any prefix length
      - 192.168.1.0/24
    gateway:                  # the Linux box at the LAN's edge that terminates the tunnels
      endpoint: vpn.example.com  # DNS name or IPv4 address the peers dial; leave it out
                                 # for a gateway that can only dial out (one per mesh at most)
      lanAddress: 192.168.1.1    # the gateway's address on its LAN: hosts route remote LANs via it
      firewall:                  # (optional) this gateway's own choice, over mesh.firewall
        flavour: iptables
      ssh:                       # (optional) how "p2pvpn deploy" logs in to it (Ansible over SSH)
        host: vpn.example.com    # (default: endpoint) the name or address to connect to
        user: root               # (default) the user to log in as
        port: 22                 # (default) the SSH port

  - name: cloud
    description: Cloud VPC
    subnets: [10.0.0.0/16, 10.1.0.0/16]
    gateway:
      endpoint: 203.0.113.10  # the public (elastic) address the peers dial
      listen: 10.0.0.10       # (optional) the local address to listen on, when it is behind NAT
      port: 51821             # (optional) this gateway's WireGuard port instead of mesh.wireguard.port
      lanAddress: 10.0.0.10
      # (optional) The LAN is an AWS VPC: the bundle gets aws.sh, which points these route
      # tables at the instance, opens the security group and turns off the
      # instance's source/destination check (./aws.sh --dry-run shows how).
      aws:
        region: eu-west-1                      # the VPC's region
        instance: i-0123456789abcdef0          # the gateway instance
        routeTables: [rtb-0123456789abcdef0]   # each gets a route to every remote subnet
        securityGroup: sg-0123456789abcdef0    # admits the peers' tunnel ports and the remote LANs
`;
}
