import {
  type MergeCursor,
  parseMergeCursor,
  parseScanCursor,
  type ScanCursor,
} from '@conveyor/core/transport';
import { badRequest } from '../errors.js';

/**
 * The `cursor` parameter of a search or a dead-letter list: the `next` of the previous page,
 * or a 400. The scan itself is core's (`scanQueues`).
 */
export function decodeScanCursor(text: string): ScanCursor {
  const cursor = parseScanCursor(text);
  if (cursor === undefined) throw badRequest('cursor', text, 'the `next` of the previous page');
  return cursor;
}

/**
 * The `cursor` parameter of a partitioned queue's job list (core's `mergeQueues`): the `next`
 * of the previous page of one of `partitions`, or a 400.
 */
export function decodeMergeCursor(text: string, partitions: readonly string[]): MergeCursor {
  const cursor = parseMergeCursor(text, partitions);
  if (cursor === undefined) {
    throw badRequest(
      'cursor',
      text,
      'the `next` of the previous page of this queue (its partitions may have changed since: start again from the first page)',
    );
  }
  return cursor;
}
