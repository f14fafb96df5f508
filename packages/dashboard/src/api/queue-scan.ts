import { parseScanCursor, type ScanCursor } from '@conveyor/core/transport';
import { badRequest } from '../errors.js';

/**
 * The `cursor` parameter: the `next` of the previous page, or a 400. The scan itself is core's
 * (`scanQueues`, which `conveyor jobs` pages with too).
 */
export function decodeScanCursor(text: string): ScanCursor {
  const cursor = parseScanCursor(text);
  if (cursor === undefined) throw badRequest('cursor', text, 'the `next` of the previous page');
  return cursor;
}
