#!/usr/bin/env node
import { main } from './main.js';

// The only place that ends the process: every command returns its exit code.
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
