import { type Child, h } from '../dom.js';

export interface ConfirmOptions {
  title: string;
  body: Child;
  /** The confirm button's label, e.g. `Retry 42 jobs`. */
  confirm: string;
  /**
   * The dismiss button's label: `Cancel` unless the action is itself a cancel, where
   * "Cancel" / "Cancel job" side by side would not say which keeps the job. Name what
   * dismissing keeps, e.g. `Keep running`.
   */
  dismiss?: string;
  danger?: boolean;
}

/**
 * Asks before a mutation, in a modal <dialog> (focus stays inside; Escape cancels).
 * Resolves true when the user confirmed.
 *
 * @example
 * if (await confirmAction({ title: 'Retry job?', body: id, confirm: 'Retry' })) await retry();
 */
export function confirmAction(options: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = h(
      'button',
      { class: 'button', attrs: { type: 'button' }, on: { click: () => dialog.close('cancel') } },
      options.dismiss ?? (/^cancel\b/i.test(options.confirm) ? 'Go back' : 'Cancel'),
    );
    const ok = h(
      'button',
      {
        class: options.danger ? 'button danger' : 'button primary',
        attrs: { type: 'button', 'data-confirm': true },
        on: { click: () => dialog.close('confirm') },
      },
      options.confirm,
    );
    const dialog = h(
      'dialog',
      { class: 'confirm', attrs: { 'aria-labelledby': 'confirm-title' } },
      h('h2', { attrs: { id: 'confirm-title' } }, options.title),
      h('div', { class: 'confirm-body' }, options.body),
      h('div', { class: 'confirm-actions' }, cancel, ok),
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
