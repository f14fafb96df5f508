import { parseScanCursor, type ScanCursor } from '@conveyor/core/transport';
import { badRequest } from '../errors.js';

// The scan over several stored queues lives in core (`conveyor jobs` pages the same way);
// here, a cursor that is none is the request's fault.
export { encodeScanCursor, type ScanCursor, scanQueues } from '@conveyor/core/transport';

/** The `cursor` parameter: the `next` of the previous page, or a 400. */
export function decodeScanCursor(text: string): ScanCursor {
  const cursor = parseScanCursor(text);
  if (cursor === undefined) throw badRequest('cursor', text, 'the `next` of the previous page');
  return cursor;
}
