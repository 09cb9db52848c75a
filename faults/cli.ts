/**
 * Apply fault presets by name:
 *   node faults/cli.ts list
 *   node faults/cli.ts apply <fault> <variant>     (variant 'off' resets that fault... and all others: DELETE is global)
 *   node faults/cli.ts status | reset
 * Reads HARNESS_ADMIN_URL (default http://127.0.0.1:9180) and FAULT_ADMIN_TOKEN.
 */
import { AdminClient } from './admin/client.ts';
import { loadPresets, variantKnobs } from './presets.ts';

const [cmd, fault, variant] = process.argv.slice(2);
const presets = loadPresets();
const client = () => {
  const token = process.env.FAULT_ADMIN_TOKEN;
  if (!token) throw new Error('FAULT_ADMIN_TOKEN environment variable must be set (the token the pipeline was started with)');
  return new AdminClient(process.env.HARNESS_ADMIN_URL ?? 'http://127.0.0.1:9180', token);
};

try {
  switch (cmd) {
    case 'list':
      for (const [name, f] of Object.entries(presets.flags)) console.log(`${name.padEnd(18)} ${Object.keys(f.variants).join(' | ')}\n  ${f.description}`);
      break;
    case 'apply': {
      if (!fault || !variant) throw new Error('usage: apply <fault> <variant>');
      const knobs = variantKnobs(presets, fault, variant);
      const out = knobs === null ? await client().reset() : await client().enable(fault, knobs);
      console.log(JSON.stringify(out, null, 2));
      break;
    }
    case 'status':
      console.log(JSON.stringify(await client().status(), null, 2));
      break;
    case 'reset':
      console.log(JSON.stringify(await client().reset(), null, 2));
      break;
    default:
      throw new Error(`usage: node faults/cli.ts <list|apply <fault> <variant>|status|reset> (got '${cmd ?? ''}')`);
  }
} catch (err) {
  console.error(`faults: ${(err as Error).message}`);
  process.exit(2);
}
