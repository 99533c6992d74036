import { allGateways } from '../../model/gateways.js';
import type { Report } from '../../model/problems.js';
import type { LansConfig } from '../../model/schema.js';

/** An instance or route table belongs to one VPC, so to one LAN, and is listed once. */
export function checkAws(config: LansConfig, report: Report): void {
  const instances = new Map<string, string>();
  const tables = new Map<string, string>();
  for (const { lan, gateway, path: at } of allGateways(config)) {
    const aws = gateway.aws;
    if (!aws) continue;
    const path = [...at, 'aws'];
    const owner = instances.get(aws.instance);
    if (owner) report([...path, 'instance'], `${aws.instance} is already the gateway of ${owner}, each LAN needs its own gateway instance`);
    else instances.set(aws.instance, lan.name);
    aws.routeTables.forEach((table, t) => {
      const first = tables.get(table);
      if (first === lan.name) report([...path, 'routeTables', t], `${table} is listed twice, list each route table once`);
      else if (first) report([...path, 'routeTables', t], `${table} is already a route table of ${first}, a route table belongs to one VPC`);
      else tables.set(table, lan.name);
    });
  }
}
