/**
 * `pnpm bench`: Conveyor side by side with BullMQ and Bee-Queue. See `--help`.
 * Run with: node --conditions=@conveyor/source --import tsx src/cli.ts [options]
 */
import { runBench } from './main.js';

process.exit(await runBench(process.argv.slice(2)));
