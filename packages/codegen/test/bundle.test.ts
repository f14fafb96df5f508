import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { fixtureDir } from './tree.js';

const shop = fixtureDir('shop');

async function bundle(entry: string) {
  const result = await build({
    stdin: { contents: entry, resolveDir: shop, sourcefile: 'producer.ts', loader: 'ts' },
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    conditions: ['@conveyor/source'],
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs).map((input) =>
    path.relative(shop, path.resolve(input)).split(path.sep).join('/'),
  );
  return { text: result.outputFiles[0]?.text ?? '', inputs };
}

describe('producer bundle', () => {
  it('holds no task implementation or its dependencies, only the client and schema modules', async () => {
    const { text, inputs } = await bundle(`
      import { chargePayment, configureConveyor } from './src/generated/client.js';
      export { chargePayment, configureConveyor };
    `);
    expect(text).not.toContain('FAKE_NODEMAILER_TRANSPORT_7f3a');
    expect(text).not.toContain('FAKE_PG_DRIVER_c41e');
    const local = inputs.filter((input) => input.startsWith('src/'));
    expect(local.sort()).toEqual(['src/generated/client.ts', 'src/tasks/order.schema.ts']);
    // The contract and its validation are there.
    expect(text).toContain('shop.chargePayment');
  });

  it('a workflow stub holds no task implementation or workflow module either (mappings stay in the worker)', async () => {
    const { text, inputs } = await bundle(`
      import { configureConveyor, placeOrder } from './src/generated/client.js';
      export { configureConveyor, placeOrder };
    `);
    expect(text).not.toContain('FAKE_NODEMAILER_TRANSPORT_7f3a');
    expect(text).not.toContain('FAKE_PG_DRIVER_c41e');
    const local = inputs.filter((input) => input.startsWith('src/'));
    expect(local.sort()).toEqual(['src/generated/client.ts', 'src/tasks/order.schema.ts']);
    // The plan is there; a mapping (code from place-order.ts) is not.
    expect(text).toContain('shop.placeOrder');
    expect(text).not.toContain('-line.quantity');
  });

  it('the worker registry, by contrast, bundles the implementations (the markers are detectable)', async () => {
    const { text, inputs } = await bundle(`export { tasks } from './src/generated/registry.js';`);
    expect(text).toContain('FAKE_NODEMAILER_TRANSPORT_7f3a');
    expect(text).toContain('FAKE_PG_DRIVER_c41e');
    expect(inputs).toContain('src/tasks/send-order-confirmation.ts');
  });
});
