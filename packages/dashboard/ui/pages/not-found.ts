import { dataText } from '../components/value.js';
import { h } from '../dom.js';
import { link, paths } from '../router.js';
import { pageHead, setTitle } from './page.js';

export function notFoundPage(path: string): HTMLElement {
  setTitle('Not found');
  return h(
    'div',
    null,
    pageHead('Page not found'),
    h(
      'p',
      null,
      'Nothing lives at ',
      dataText(path, 200, 'mono'),
      '. ',
      link(paths.overview(), 'Go to the overview'),
      '.',
    ),
  );
}
